namespace Sync.Engine.Inside;

/// <summary>How a round of candidates treats what cannot apply.</summary>
public enum IntakeMode
{
    /// <summary>
    /// A command run once (`import`): every candidate that can never apply is refused, a stream not newer than what is
    /// published included, and disk trouble ends the run.
    /// </summary>
    OneShot,

    /// <summary>
    /// A receiver that runs until stopped (`receive`): a candidate not newer than what is published is a carousel's
    /// repeat and goes quietly; disk trouble keeps the candidate for the next round instead of ending the service.
    /// </summary>
    Service,
}
