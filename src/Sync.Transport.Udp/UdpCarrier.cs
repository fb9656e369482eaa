using System.Globalization;
using Sync.Core;
using Sync.Core.Export;
using Sync.Engine.Outside;
using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp;

/// <summary>
/// The diode carrier as the outside's engine drives it (`sync-outside send`): the generation's stream is spooled in
/// the state directory (recorded just before it gets its final name) and sent while it is written, in parts
/// (<see cref="SpoolPartPlan"/>), each an ordinary session of its own sent in passes; the last part leaves once the
/// stream is in the spool. A one-way link returns no
/// acknowledgement: a stream whose last pass has left counts as sent, and the carousel repeats the spool for an inside
/// that missed it. Older spools beyond the kept generations are pruned after each send.
/// </summary>
public sealed class UdpCarrier(UdpSender sender, UdpSendOptions options, int keepSpools) : IGenerationCarrier
{
    private UdpSpool? _spool;

    public CommitPolicy Policy => CommitPolicy.OnSent;

    /// <summary>The state's spool, opened by <see cref="StartAsync"/>: what the carousel repeats afterwards.</summary>
    public UdpSpool Spool => _spool ?? throw new InvalidOperationException("the carrier has not started");

    public Task<CarrierStart> StartAsync(OutsideState state, CancellationToken cancellationToken)
    {
        _spool = UdpSpool.Open(state.Root);
        return Task.FromResult(CarrierStart.Nothing);
    }

    public Task<CarrierReport> UpToDateAsync(ExportSummary summary, CancellationToken cancellationToken) =>
        Task.FromResult(new CarrierReport("nothing changed since the last send; nothing sent"));

    public async Task<CarrierReport> EmitAsync(PreparedExport prepared, EmissionRecord record, OperationProgress progress, CancellationToken cancellationToken)
    {
        using var write = Spool.Begin(prepared, record, SpoolPartPlan.For(options));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writing = write.RunAsync(progress, stop.Token);
        PartsReport sent;
        try
        {
            sent = await SendPartsAsync(write, prepared, progress, stop.Token).ConfigureAwait(false);
        }
        catch
        {
            // The sender failed or was cancelled: stop the writer too, and report the first cause (the writer's, when
            // its failure is what ended the parts).
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await writing.ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
            }

            throw;
        }

        var entry = await writing.ConfigureAwait(false);
        Spool.Prune(keepSpools);
        var shape = options.ForObject(entry.Length);
        return new CarrierReport(string.Create(CultureInfo.InvariantCulture, $"stream {entry.Length} bytes ({ByteCount.Format(entry.Length)})"))
        {
            Details =
            [
                string.Create(CultureInfo.InvariantCulture,
                    $"sent to {options.Destination}: {sent.Parts} part(s) of {options.Passes} pass(es), {sent.Blocks} blocks, {sent.Packets} packets, {sent.WireBytes} wire bytes in {sent.Elapsed.TotalSeconds:F2} s " +
                    $"at {BitRate.Format(sent.BitsPerSecond)} (asked {BitRate.Format(options.RateBitsPerSecond)}), FEC {(shape.Code == FecCode.ReedSolomon16 ? "rs16" : "rs8")} k={shape.DataSymbolsPerBlock} {shape.FecOverhead:P2} x {shape.Interleave} interleaved; " +
                    $"recorded as sent (a one-way link returns no acknowledgement)"),
            ],
        };
    }

    /// <summary>
    /// Sends each part as its own session as soon as it is written; the next part's windows are encoded while the
    /// current one is on the wire, so the link does not wait between parts.
    /// </summary>
    private async Task<PartsReport> SendPartsAsync(SpoolWrite write, PreparedExport prepared, OperationProgress progress, CancellationToken cancellationToken)
    {
        var totals = new PartsReport(sender.Time);
        PreparedSend? current = null;
        PreparedSend? next = null;
        Task<UdpSendReport>? running = null;
        try
        {
            await foreach (var part in write.Parts.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (part.Place.Last)
                {
                    progress.StartPhase($"udp {options.Passes} pass(es)");
                }

                next = sender.Prepare(
                    write.ReadHandle, part.Place.Offset, part.Length, part.Sha256, UdpDescriptor.EncodePart(prepared.SignedHeader, part.Place),
                    options.ForPart(part.Place, part.Length) with { SessionId = UdpDescriptor.SessionId(prepared.Header, part.Place) },
                    part.Place.Last ? new ProgressBridge(progress) : null); // earlier parts leave while the emit's bytes are counted
                next.StartProducing(cancellationToken);
                if (running is not null)
                {
                    totals.Add(await running.ConfigureAwait(false));
                    await current!.DisposeAsync().ConfigureAwait(false);
                }

                current = next;
                next = null;
                running = current.RunAsync(cancellationToken);
                totals.Started();
            }

            if (running is null)
            {
                throw new InvalidOperationException("the spool handed out no part");
            }

            totals.Add(await running.ConfigureAwait(false));
            return totals;
        }
        finally
        {
            if (running is not null)
            {
                await running.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
            }

            if (current is not null)
            {
                await current.DisposeAsync().ConfigureAwait(false);
            }

            if (next is not null)
            {
                await next.DisposeAsync().ConfigureAwait(false); // primed, never sent: stops its encoder
            }
        }
    }
    public Task AbortAsync(SyncException reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Feeds the sender's reports (from its send thread) into the progress line.</summary>
    private sealed class ProgressBridge(OperationProgress progress) : IProgress<UdpSendProgress>
    {
        private long _reported;

        public void Report(UdpSendProgress value)
        {
            progress.AddBytes(value.WireBytes - Interlocked.Exchange(ref _reported, value.WireBytes));
        }
    }
}
