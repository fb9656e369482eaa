namespace Sync.Engine.Outside;

/// <summary>When a generation a carrier emitted becomes the base of the outside's next delta.</summary>
public enum CommitPolicy
{
    /// <summary>File drop: nothing answers, so a bundle whose index is in the drop folder counts as delivered.</summary>
    OnIndexWritten,

    /// <summary>A one-way link (UDP): nothing answers, so a stream whose last pass has left counts as sent.</summary>
    OnSent,

    /// <summary>An inside that answers (gRPC): only its word that it published the generation commits it.</summary>
    OnAcknowledged,
}
