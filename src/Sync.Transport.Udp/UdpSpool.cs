using Sync.Core;
using Sync.Core.Export;
using Sync.Core.Storage;
using Sync.Engine.Outside;
using Sync.Protocol;

namespace Sync.Transport.Udp;

/// <summary>
/// The delta streams the outside has sent over UDP, kept in STATE/udp-spool so later passes and the carousel can
/// send them again with no rescan, named as <see cref="UdpStreamFile"/> says: the frame stream exactly as the
/// inside applies it, and the descriptor announced with it. A `.stream` file exists only complete: it
/// is written under a temporary name, flushed, and renamed into place after its descriptor.
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
    /// Writes the prepared generation's stream and descriptor. Before the stream file appears under its final
    /// name the generation is recorded as pending with that name, so an outside interrupted while sending records
    /// it as sent on its next run: once the first packet left, the inside may hold it, and the next delta must
    /// build on it (the spool stays for the carousel to repeat).
    /// </summary>
    public async Task<UdpStreamFile> WriteAsync(PreparedExport prepared, EmissionRecord record, OperationProgress progress, CancellationToken cancellationToken)
    {
        var header = prepared.Header;
        var name = UdpStreamFile.Stem(header) + UdpStreamFile.StreamExtension;
        var final = Path.Combine(DirectoryPath, name);
        var temporary = Path.Combine(DirectoryPath, ".tmp-" + name);
        try
        {
            // No FileStream buffer: the pipe gathers small frames and hands the file 256 KiB or more per flush.
            await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous))
            {
                await using (var writer = PipeFrameWriter.Create(file, leaveOpen: true))
                {
                    await prepared.EmitAsync(writer, progress, cancellationToken).ConfigureAwait(false);
                    await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                }

                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }

            AtomicFile.WriteAllBytes(Path.ChangeExtension(final, UdpStreamFile.DescriptorExtension), UdpDescriptor.Encode(prepared.SignedHeader));
            record.Spooled(final);
            File.Move(temporary, final);
            record.Visible();
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }

        return new UdpStreamFile(header.TargetGeneration, header.BaseGeneration, header.StreamIdHex, final, new FileInfo(final).Length);
    }

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
