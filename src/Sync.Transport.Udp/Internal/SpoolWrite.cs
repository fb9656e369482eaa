using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;
using Sync.Core;
using Sync.Core.Export;
using Sync.Core.Storage;
using Sync.Engine.Outside;
using Sync.Protocol;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// One generation's stream on its way into the spool, cut into parts that can be sent while the rest is written
/// (<see cref="Parts"/>, read through <see cref="ReadHandle"/>). The stream is written under a temporary name; once
/// complete it is flushed to disk, its descriptor written, the generation recorded as pending under the final name,
/// and the file renamed into place. Only then is the last part handed out: an inside cannot publish a generation
/// without its last part, so an outside killed before the record never leaves behind an inside that holds a
/// generation the outside does not know it sent; one killed after it records the generation as sent on its next run.
/// </summary>
internal sealed class SpoolWrite : IDisposable
{
    // One part waits here beside the one on the wire and the next one priming: the writer stays about three parts ahead
    // of the link (at most 96 MiB), so its reads and writes share the CPU with the encoder instead of crowding it out.
    private readonly Channel<SpooledPart> _parts = Channel.CreateBounded<SpooledPart>(
        new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly PreparedExport _prepared;
    private readonly EmissionRecord _record;
    private readonly SpoolPartPlan _plan;
    private readonly string _final;
    private readonly string _temporary;
    private SafeFileHandle? _readHandle;

    public SpoolWrite(string directory, PreparedExport prepared, EmissionRecord record, SpoolPartPlan plan)
    {
        _prepared = prepared;
        _record = record;
        _plan = plan;
        var name = UdpStreamFile.Stem(prepared.Header) + UdpStreamFile.StreamExtension;
        _final = Path.Combine(directory, name);
        _temporary = Path.Combine(directory, ".tmp-" + name);
    }

    /// <summary>The stream's parts in order, the last one after the stream is in the spool; completed with the writer's error if it fails.</summary>
    public ChannelReader<SpooledPart> Parts => _parts.Reader;

    /// <summary>Reads the stream file whatever its name: open before the first part is handed out, closed by <see cref="Dispose"/>.</summary>
    public SafeFileHandle ReadHandle => _readHandle ?? throw new InvalidOperationException("no part was handed out yet");

    public async Task<UdpStreamFile> RunAsync(OperationProgress progress, CancellationToken cancellationToken)
    {
        try
        {
            // No FileStream buffer: the pipe gathers small frames and hands the file 256 KiB or more per flush.
            await using (var file = new FileStream(_temporary, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous))
            {
                _readHandle = File.OpenHandle(_temporary, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                await using var cutter = new PartCuttingStream(file, _plan, _parts.Writer.WriteAsync);
                await using (var writer = PipeFrameWriter.Create(cutter, leaveOpen: true))
                {
                    await _prepared.EmitAsync(writer, progress, cancellationToken).ConfigureAwait(false);
                    await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                }

                var last = cutter.FinishLast();
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);

                AtomicFile.WriteAllBytes(Path.ChangeExtension(_final, UdpStreamFile.DescriptorExtension), UdpDescriptor.Encode(_prepared.SignedHeader));
                _record.Spooled(_final);
                File.Move(_temporary, _final);
                _record.Visible();
                await _parts.Writer.WriteAsync(last, cancellationToken).ConfigureAwait(false);
                _parts.Writer.TryComplete();
            }
        }
        catch (Exception e)
        {
            File.Delete(_temporary);
            _parts.Writer.TryComplete(e);
            throw;
        }

        var header = _prepared.Header;
        return new UdpStreamFile(header.TargetGeneration, header.BaseGeneration, header.StreamIdHex, _final, new FileInfo(_final).Length);
    }

    public void Dispose() => _readHandle?.Dispose();
}
