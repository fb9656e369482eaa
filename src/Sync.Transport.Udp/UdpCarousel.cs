using System.Globalization;
using Microsoft.Extensions.Logging;
using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp;

/// <summary>
/// Sends the spools of the newest generations again and again, oldest first, at a low rate, until stopped: an
/// inside that was down, or lost more than the FEC could repair, catches up with no operator and no return
/// channel. Each spool goes out in the parts `send` cut it into, each under the session id it was first sent with,
/// so a receiver holding some parts, or part of one, continues where it stopped, and one that finished it ignores it. The spool directory is listed again every
/// round, so generations sent meanwhile by `send` join the carousel. Runs on the caller's task; one send at a time.
/// </summary>
public sealed class UdpCarousel(UdpSpool spool, UdpSender sender, ILogger logger, TimeProvider time)
{
    /// <param name="generations">How many of the newest generations to repeat.</param>
    /// <param name="rounds">Rounds to run, or 0 for until cancelled.</param>
    /// <param name="pause">Idle time between rounds.</param>
    public async Task<int> RunAsync(UdpSendOptions options, int generations, int rounds, TimeSpan pause, TextWriter output, CancellationToken cancellationToken)
    {
        var round = 0;
        while (rounds == 0 || round < rounds)
        {
            cancellationToken.ThrowIfCancellationRequested();
            round++;
            var all = spool.List();
            var newest = all.Select(e => e.Generation).Distinct().OrderDescending().Take(generations).ToHashSet();
            var entries = all.Where(e => newest.Contains(e.Generation)).ToList();
            if (entries.Count == 0)
            {
                output.WriteLine($"carousel round {round}: nothing spooled yet (run 'sync-outside send' first)");
            }

            foreach (var entry in entries)
            {
                PartsReport? report;
                try
                {
                    report = await SendAsync(entry, options with { Passes = 1, FirstPass = FreshPass(round) }, cancellationToken).ConfigureAwait(false);
                }
                catch (FileNotFoundException)
                {
                    continue; // pruned by a send since the listing
                }

                if (report is not null)
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"carousel round {round}: {entry.Describe}, {entry.Length} bytes, {report.Packets} packets in {report.Elapsed.TotalSeconds:F1} s at {BitRate.Format(report.BitsPerSecond)}"));
                }
            }

            if (rounds == 0 || round < rounds)
            {
                await Task.Delay(pause, time, cancellationToken).ConfigureAwait(false);
            }
        }

        UdpLog.CarouselStopped(logger, round);
        return round;
    }

    /// <summary>
    /// One pass of a spooled stream, cut into the parts `send` sent (the cut depends only on the stream's length and the
    /// code's shape: <see cref="SpoolPartPlan"/>), each under the session id `send` used. Null when the spool was
    /// pruned meanwhile.
    /// </summary>
    private async Task<PartsReport?> SendAsync(UdpStreamFile entry, UdpSendOptions options, CancellationToken cancellationToken)
    {
        var signedHeader = UdpDescriptor.Decode(await File.ReadAllBytesAsync(entry.DescriptorPath, cancellationToken).ConfigureAwait(false));
        using var file = File.OpenHandle(entry.StreamPath, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        var sent = new PartsReport(time);
        foreach (var (place, length) in SpoolPartPlan.For(options).Cut(entry.Length))
        {
            var sha256 = await FileReads.Sha256Async(file, place.Offset, length, cancellationToken).ConfigureAwait(false);
            if (sha256 is null)
            {
                return null; // shorter than listed: replaced under us
            }

            await using var send = sender.Prepare(file, place.Offset, length, sha256, UdpDescriptor.EncodePart(signedHeader, place),
                options.ForPart(place, length) with { SessionId = UdpDescriptor.SessionId(entry.SessionId, place) }, null);
            sent.Started();
            sent.Add(await send.RunAsync(cancellationToken).ConfigureAwait(false));
        }

        return sent;
    }

    /// <summary>
    /// Round 1 continues after the two passes of a default send, each later round one pass further, so every round
    /// carries other symbol ids than the ones before it (the 256 ids of GF(2^8) wrap after a few passes; pass numbers
    /// are a byte on the wire).
    /// </summary>
    internal static int FreshPass(int round) => 3 + ((round - 1) % 250);
}
