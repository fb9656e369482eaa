using System.Globalization;
using System.Text.RegularExpressions;

namespace Sync.Transport.FileDrop;

/// <summary>
/// `sync-outside export --keep-bundles N`: after a bundle is written, removes from the drop folder the bundles (and
/// parts left by interrupted exports) of every generation older than the newest N there, parts first and index last.
/// A file drop has no back channel, so the outside cannot know what an inside has applied: N is the operator's
/// promise of how far behind an inside may fall and still catch up with deltas (one further behind needs --full).
/// Only names this agent writes are touched (sync-gNNNNNNNN-bNNNNNNNN-xxxxxxxxxxxx.index / .pNNNN).
/// </summary>
public static partial class DropFolderPruner
{
    public static (int Bundles, long Bytes) Prune(string dropDirectory, int keepGenerations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keepGenerations, 1);
        var files = Directory.EnumerateFiles(dropDirectory)
            .Select(path => (Path: path, Match: BundleFile().Match(Path.GetFileName(path))))
            .Where(f => f.Match.Success)
            .Select(f => (f.Path, Bundle: f.Match.Groups["bundle"].Value, IsIndex: f.Match.Groups["kind"].Value == "index",
                Generation: long.Parse(f.Match.Groups["generation"].Value, CultureInfo.InvariantCulture)))
            .ToList();
        var kept = files.Where(f => f.IsIndex).Select(f => f.Generation).Distinct().OrderDescending().Take(keepGenerations).ToList();
        if (kept.Count < keepGenerations)
        {
            return (0, 0); // fewer generations than kept: nothing is old enough yet
        }

        var oldest = kept[^1];
        var bundles = 0;
        long bytes = 0;
        foreach (var bundle in files.Where(f => f.Generation < oldest).GroupBy(f => f.Bundle))
        {
            foreach (var file in bundle.OrderBy(f => f.IsIndex))
            {
                bytes += new FileInfo(file.Path).Length;
                File.Delete(file.Path);
            }

            bundles++;
        }

        return (bundles, bytes);
    }

    [GeneratedRegex(@"^(?<bundle>sync-g(?<generation>\d{8})-b\d{8}-[0-9a-f]{12})\.(?<kind>index|p\d{4})$")]
    private static partial Regex BundleFile();
}
