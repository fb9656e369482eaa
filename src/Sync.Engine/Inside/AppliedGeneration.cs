using Sync.Core.Streams;

namespace Sync.Engine.Inside;

/// <summary>One generation a round published: from which candidate, over which generation, what it took.</summary>
public sealed record AppliedGeneration(string What, DeltaHeader Header, long Before, int ContentsReceived, long BytesReceived, TimeSpan Elapsed)
{
    /// <summary>Entries of an in-place target that something else had changed, replaced because the operator said so.</summary>
    public IReadOnlyList<string> Overwritten { get; init; } = [];
}
