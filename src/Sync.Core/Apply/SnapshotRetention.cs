using Sync.Core.FileSystem;

namespace Sync.Core.Apply;

/// <summary>
/// Snapshot mode, last step: older snapshots stay a while for readers that still hold their indices (the published one
/// included, <c>--keep</c> of them); beyond that they go.
/// </summary>
internal static class SnapshotRetention
{
    public static IReadOnlyList<string> Prune(IDirectoryTree snapshots, string published, int keep)
    {
        var old = snapshots.List(string.Empty)
            .Where(n => n.StartsWith('g') && !n.EndsWith(".partial", StringComparison.Ordinal) && n != published)
            .OrderByDescending(n => n, StringComparer.Ordinal)
            .Skip(Math.Max(0, keep - 1))
            .ToList();
        foreach (var name in old)
        {
            snapshots.RemoveTree(name);
        }

        return old;
    }
}
