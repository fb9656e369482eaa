using Sync.Core.Export;

namespace Sync.Engine.Outside;

/// <summary>
/// The end of one run of the <see cref="GenerationPublisher"/>: its status, the exit code the command returns, and
/// the one-line error it prints (null on success). The summary line is already written.
/// </summary>
public sealed record PublishOutcome(PublishStatus Status, int ExitCode, ExportSummary? Summary, CarrierReport? Report, InsideAnswer? Answer)
{
    public string? Error { get; init; }
}
