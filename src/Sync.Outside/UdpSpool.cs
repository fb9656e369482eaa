using System.Globalization;
using Sync.Core;
using Sync.Core.Export;
using Sync.Core.Storage;
using Sync.Engine.Outside;
using Sync.Protocol;

namespace Sync.Outside;

/// <summary>
/// The delta streams the outside has sent over UDP, kept in STATE/udp-spool so later passes and the carousel can
/// send them again with no rescan: `gNNNNNNNN-bNNNNNNNN-STREAMID.stream` (the frame stream exactly as the
/// inside applies it) and `.desc` (the descriptor announced with it). A `.stream` file exists only complete: it
/// is written under a temporary name, flushed, and renamed into place after its descriptor.
/// Used by `send` (one writer, under the outside state's lock) and by `carousel` (readers, no lock, so a
/// carousel can run beside `send`; a spool pruned under a reader is skipped).
/// </summary>
internal sealed class UdpSpool
{
    private const string Extension = ".stream";

    private UdpSpool(string directory) => Directory_ = directory;

    public string Directory_ { get; }

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

    /// <summary>One complete spooled stream.</summary>
    public sealed record Entry(long Generation, long BaseGeneration, string StreamIdHex, string StreamPath, long Length)
    {
        public string DescriptorPath => Path.ChangeExtension(StreamPath, ".desc");

        public ulong SessionId => BitConverter.ToUInt64(Convert.FromHexString(StreamIdHex.AsSpan(0, 16)));

        public string Describe => BaseGeneration == 0 ? $"generation {Generation} (full)" : $"generation {Generation} (delta from {BaseGeneration})";
    }

    /// <summary>
    /// Writes the prepared generation's stream and descriptor. Before the stream file appears under its final
    /// name the generation is recorded as pending with that name, so an outside interrupted while sending records
    /// it as sent on its next run: once the first packet left, the inside may hold it, and the next delta must
    /// build on it (the spool stays for the carousel to repeat).
    /// </summary>
    public async Task<Entry> WriteAsync(PreparedExport prepared, EmissionRecord record, OperationProgress progress, CancellationToken cancellationToken)
    {
        var header = prepared.Header;
        var name = string.Create(CultureInfo.InvariantCulture, $"g{header.TargetGeneration:D8}-b{header.BaseGeneration:D8}-{header.StreamIdHex}");
        var final = Path.Combine(Directory_, name + Extension);
        var temporary = Path.Combine(Directory_, ".tmp-" + name + Extension);
        try
        {
            await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous))
            {
                using var writer = new FrameWriter(file);
                await prepared.EmitAsync(writer, progress, cancellationToken).ConfigureAwait(false);
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }

            AtomicFile.WriteAllBytes(Path.ChangeExtension(final, ".desc"), UdpDescriptor.Encode(prepared.SignedHeader));
            record.Spooled(final);
            File.Move(temporary, final);
            record.Visible();
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }

        return new Entry(header.TargetGeneration, header.BaseGeneration, header.StreamIdHex, final, new FileInfo(final).Length);
    }

    /// <summary>Complete spools, oldest generation first (a full stream before a delta of the same generation).</summary>
    public IReadOnlyList<Entry> List()
    {
        var entries = new List<Entry>();
        foreach (var path in Directory.EnumerateFiles(Directory_, "g*" + Extension))
        {
            var parts = Path.GetFileNameWithoutExtension(path).Split('-');
            if (parts.Length == 3 && parts[0].Length == 9 && parts[1].Length == 9 && parts[2].Length == 32 &&
                long.TryParse(parts[0].AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var generation) &&
                long.TryParse(parts[1].AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var baseGeneration) &&
                File.Exists(Path.ChangeExtension(path, ".desc")))
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

                entries.Add(new Entry(generation, baseGeneration, parts[2], path, length));
            }
        }

        return entries.OrderBy(e => e.Generation).ThenBy(e => e.BaseGeneration).ToList();
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

        foreach (var leftover in Directory.EnumerateFiles(Directory_, ".tmp-*"))
        {
            File.Delete(leftover); // an emit interrupted before its stream was complete: never sent
        }

        return removed;
    }
}
