using Sync.Core.Export;
using Sync.Protocol.V1;

namespace Sync.Transport.Grpc;

/// <summary>How one sync ended, as the outside sees it.</summary>
public sealed record SyncResult(Outcome.Types.Status Status, long Generation, string Message, ExportSummary? Summary, long BytesSent, TimeSpan Elapsed)
{
    public bool Published => Status == Outcome.Types.Status.Published;

    public static SyncResult From(Outcome outcome, ExportSummary? summary, long bytesSent, TimeSpan elapsed) =>
        new(outcome.Status, (long)outcome.Generation, outcome.Message, summary, bytesSent, elapsed);
}
