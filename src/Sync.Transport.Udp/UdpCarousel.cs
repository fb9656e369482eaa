using System.Globalization;
using Microsoft.Extensions.Logging;
using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp;

/// <summary>
/// Sends the spools of the newest generations again and again, oldest first, at a low rate, until stopped: an
/// inside that was down, or lost more than the FEC could repair, catches up with no operator and no return
/// channel. Each spool goes out under the session id it was first sent with, so a receiver holding part of it
/// continues where it stopped, and one that finished it ignores it. The spool directory is listed again every
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
                byte[] descriptor;
                try
                {
                    descriptor = await File.ReadAllBytesAsync(entry.DescriptorPath, cancellationToken).ConfigureAwait(false);
                }
                catch (FileNotFoundException)
                {
                    continue; // pruned by a send since the listing
                }

                UdpSendReport report;
                try
                {
                    // One pass per round; every round is another chance for a receiver that is short of symbols.
                    report = await sender.SendAsync(entry.StreamPath, descriptor, options with { SessionId = entry.SessionId, Passes = 1, FirstPass = FreshPass(round) }, null, cancellationToken)
                        .ConfigureAwait(false);
                }
                catch (FileNotFoundException)
                {
                    continue;
                }

                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"carousel round {round}: {entry.Describe}, {entry.Length} bytes, {report.Packets} packets in {report.Elapsed.TotalSeconds:F1} s at {BitRate.Format(report.AchievedBitsPerSecond)}"));
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
    /// Round 1 continues after the two passes of a default send, each later round one pass further, so every round
    /// carries other symbol ids than the ones before it (the 256 ids of GF(2^8) wrap after a few passes; pass numbers
    /// are a byte on the wire).
    /// </summary>
    internal static int FreshPass(int round) => 3 + ((round - 1) % 250);
}
