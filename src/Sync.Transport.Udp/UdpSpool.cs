using Sync.Core;
using Sync.Core.Export;
using Sync.Engine.Outside;
using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp;

/// <summary>
/// The delta streams the outside has sent over UDP, kept in STATE/udp-spool so later passes and the carousel can
/// send them again with no rescan, named as <see cref="UdpStreamFile"/> says: the frame stream exactly as the
/// inside applies it, and the descriptor announced with it. A `.stream` file exists only complete: it
/// is written under a temporary name (while its first parts are already being sent), flushed, and renamed into place
/// after its descriptor.
/// Used by `send` (one writer, under the outside state's lock) and by `carousel` (readers, no lock, so a
/// carousel can run beside `send`; a spool pruned under a reader is skipped).
/// </summary>
public sealed class UdpSpool
{
    private UdpSpool(string directory) => DirectoryPath = directory;

    public string DirectoryPath { get; }

    public static UdpSpool Open(string stateDirectory)
    {
        var directory = Path.Combine(stateDirectory, "udp-spool");
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw SyncException.Usage($"cannot use '{directory}': {e.Message}");
        }

        return new UdpSpool(directory);
    }

    /// <summary>
    /// Starts spooling the prepared generation's stream, cut into parts by <paramref name="plan"/> that may be sent as
    /// they are written (see <see cref="SpoolWrite"/> for the order that keeps an interrupted send recoverable).
    /// </summary>
    internal SpoolWrite Begin(PreparedExport prepared, EmissionRecord record, SpoolPartPlan plan) => new(DirectoryPath, prepared, record, plan);

    /// <summary>Complete spools, oldest generation first (a full stream before a delta of the same generation).</summary>
    public IReadOnlyList<UdpStreamFile> List()
    {
        var entries = new List<UdpStreamFile>();
        foreach (var path in Directory.EnumerateFiles(DirectoryPath, "g*" + UdpStreamFile.StreamExtension))
        {
            if (UdpStreamFile.TryParse(Path.GetFileName(path), out var generation, out var baseGeneration, out var streamIdHex) &&
                File.Exists(Path.ChangeExtension(path, UdpStreamFile.DescriptorExtension)))
            {
                long length;
                try
                {
                    length = new FileInfo(path).Length;
                }
                catch (FileNotFoundException)
                {
                    continue; // pruned while listing
                }

                entries.Add(new UdpStreamFile(generation, baseGeneration, streamIdHex, path, length));
            }
        }

        return UdpStreamFile.InOrder(entries);
    }

    /// <summary>Keeps the spools of the newest <paramref name="generations"/> generations; removes older ones and leftovers.</summary>
    public int Prune(int generations)
    {
        var entries = List();
        var kept = entries.Select(e => e.Generation).Distinct().OrderDescending().Take(generations).ToHashSet();
        var removed = 0;
        foreach (var entry in entries.Where(e => !kept.Contains(e.Generation)))
        {
            File.Delete(entry.StreamPath);
            File.Delete(entry.DescriptorPath);
            removed++;
        }

        foreach (var leftover in Directory.EnumerateFiles(DirectoryPath, ".tmp-*"))
        {
            File.Delete(leftover); // an emit interrupted before its stream was complete: never sent
        }

        return removed;
    }
}
