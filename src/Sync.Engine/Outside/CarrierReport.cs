namespace Sync.Engine.Outside;

/// <summary>
/// How one emission (or the lack of one) went, as a carrier reports it: <see cref="Moved"/> says what moved in the
/// summary line ("1234 bytes written (1.2 KiB) in 1 part(s)"), or, when nothing changed, what was not done;
/// <see cref="Suffix"/> ends that line; <see cref="Details"/> follow it. An answering carrier adds the inside's answer.
/// </summary>
public sealed record CarrierReport(string Moved, InsideAnswer? Answer = null)
{
    public string Suffix { get; init; } = string.Empty;

    public IReadOnlyList<string> Details { get; init; } = [];
}
