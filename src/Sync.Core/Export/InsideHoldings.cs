using Sync.Core.Hashing;

namespace Sync.Core.Export;

/// <summary>
/// What an inside that can answer says it holds: its published generation (with the manifest bytes the outside
/// found for it, or null when the outside has no record of it) and contents and chunks kept from a cut transfer.
/// The export then sends exactly the rest.
/// </summary>
public sealed record InsideHoldings(long PublishedGeneration, byte[]? PublishedManifest, IReadOnlySet<Digest> Contents, IReadOnlySet<Digest> Chunks)
{
    public static InsideHoldings Nothing { get; } = new(0, null, new HashSet<Digest>(), new HashSet<Digest>());
}
