using System.Globalization;
using Sync.Core;
using Sync.Core.Export;
using Sync.Engine.Outside;

namespace Sync.Transport.Udp;

/// <summary>
/// The diode carrier as the outside's engine drives it (`sync-outside send`): the generation's stream is spooled in
/// the state directory (recorded just before it gets its final name), then sent in passes. A one-way link returns no
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
        var entry = await Spool.WriteAsync(prepared, record, progress, cancellationToken).ConfigureAwait(false);
        var descriptor = await File.ReadAllBytesAsync(entry.DescriptorPath, cancellationToken).ConfigureAwait(false);
        progress.StartPhase($"udp {options.Passes} pass(es)");
        var report = await sender.SendAsync(entry.StreamPath, descriptor, options with { SessionId = entry.SessionId }, new ProgressBridge(progress), cancellationToken)
            .ConfigureAwait(false);
        Spool.Prune(keepSpools);
        var sent = options.ForObject(entry.Length);
        return new CarrierReport(string.Create(CultureInfo.InvariantCulture, $"stream {entry.Length} bytes ({ByteCount.Format(entry.Length)})"))
        {
            Details =
            [
                string.Create(CultureInfo.InvariantCulture,
                    $"sent to {options.Destination}: {report.Passes} pass(es), {report.Blocks} blocks, {report.Packets} packets, {report.WireBytes} wire bytes in {report.Elapsed.TotalSeconds:F2} s " +
                    $"at {BitRate.Format(report.AchievedBitsPerSecond)} (asked {BitRate.Format(options.RateBitsPerSecond)}), FEC {(sent.Code == FecCode.ReedSolomon16 ? "rs16" : "rs8")} k={sent.DataSymbolsPerBlock} {sent.FecOverhead:P2} x {sent.Interleave} interleaved; " +
                    $"recorded as sent (a one-way link returns no acknowledgement)"),
            ],
        };
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
