using System.Globalization;
using Sync.Core.FileSystem;
using Sync.Core.Posix;

namespace Sync.Core.Apply;

/// <summary>
/// Snapshot mode, last step: older snapshots stay a while for readers that still hold their indices (the published one
/// included, <c>--keep</c> of them); beyond that they go, with the note of which pool epoch each used.
/// </summary>
internal static class SnapshotRetention
{
    public sealed record Kept(string Name, long Generation, string? Epoch);

    public static IReadOnlyList<string> Prune(IDirectoryTree snapshots, string published, int keep)
    {
        var old = Snapshots(snapshots)
            .Where(n => n != published)
            .OrderByDescending(n => n, StringComparer.Ordinal)
            .Skip(Math.Max(0, keep - 1))
            .ToList();
        foreach (var name in old)
        {
            snapshots.RemoveTree(name);
            snapshots.RemoveTree(name + SnapshotBuilder.PoolSidecar);
        }

        return old;
    }

    /// <summary>The snapshots there are, with their generation and the pool epoch each links to (null: none).</summary>
    public static IReadOnlyList<Kept> List(IDirectoryTree snapshots) =>
        Snapshots(snapshots).Select(name => new Kept(name, Generation(name), Epoch(snapshots, name))).ToList();

    private static IEnumerable<string> Snapshots(IDirectoryTree snapshots) =>
        snapshots.List(string.Empty).Where(n => n.StartsWith('g') && !n.EndsWith(".partial", StringComparison.Ordinal) &&
            snapshots.TryStat(n) is { Kind: UnixFileKind.Directory });

    private static long Generation(string name) =>
        long.TryParse(name.AsSpan(1, Math.Min(8, name.Length - 1)), NumberStyles.None, CultureInfo.InvariantCulture, out var g) ? g : 0;

    private static string? Epoch(IDirectoryTree snapshots, string name)
    {
        try
        {
            return snapshots.TryStat(name + SnapshotBuilder.PoolSidecar) is null
                ? null
                : System.Text.Encoding.ASCII.GetString(snapshots.ReadAllBytes(name + SnapshotBuilder.PoolSidecar, 64)).Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }
}
