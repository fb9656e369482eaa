using System.CommandLine;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Hosting;
using Sync.Core;
using Sync.Core.Apply;
using Sync.Core.Trust;
using Sync.Engine.Inside;
using Sync.Hosting;
using Sync.Transport.Udp;

namespace Sync.Inside;

/// <summary>`sync-inside receive`: listens on the diode's UDP port and publishes every generation that completes.</summary>
internal static class UdpCommands
{
    private const string Agent = InsideAgent.Name;

    public static Command Receive()
    {
        var udp = new Option<string>("--udp") { Description = "Address and port to listen on, BIND:PORT (e.g. 0.0.0.0:7700, or the diode interface's address).", Required = true };
        var group = new Option<string?>("--group") { Description = "Multicast group to join (on BIND's interface)." };
        var target = TargetOption.Create();
        var state = new Option<string>("--state") { Description = "The inside's state directory (udp-spool/ and udp-inbox/ live there).", Required = true };
        var trust = TrustOption.Create();
        var once = new Option<bool>("--once") { Description = "Exit 0 after publishing one new generation (and whatever follows it in the inbox)." };
        var timeout = new Option<double>("--timeout") { Description = "With --once: give up after this many seconds with exit code 4 (0: wait forever).", DefaultValueFactory = _ => 0 };
        var publish = PublishOption.Create();
        var keep = new Option<int>("--keep") { Description = "Snapshots kept, the published one included.", DefaultValueFactory = _ => 3 };
        var macKey = new Option<string?>("--mac-key") { Description = "Shared key file (the outside's --mac-key): packets without a valid MAC are dropped before decoding." };
        var spool = new Option<string?>("--spool") { Description = "Where partial sessions are kept across restarts (default: STATE/udp-spool)." };
        var spoolMaxAge = new Option<string>("--spool-max-age")
        {
            Description = "Delete an incomplete session's spool after it received nothing for this long (e.g. 7d, 12h).",
            DefaultValueFactory = _ => "7d",
        };
        var spoolMaxBytes = new Option<string?>("--spool-max-bytes")
        {
            Description = "Disk the spool may take, partial sessions included (e.g. 200G); a session beyond it waits, listed in status. Default: half the spool's file system.",
        };
        var rcvbuf = new Option<string>("--rcvbuf") { Description = "Socket receive buffer to ask for (granted size is reported).", DefaultValueFactory = _ => "64M" };
        var report = new Option<double>("--report-interval") { Description = "Seconds between report lines on stdout.", DefaultValueFactory = _ => 5 };
        var verbose = StandardOptions.Verbose();
        var command = new Command("receive", "Listen on a send-only UDP link (data diode) and publish each generation that arrives complete and verified, until stopped.")
        {
            udp, group, target, state, trust, once, timeout, publish, keep, macKey, spool, spoolMaxAge, spoolMaxBytes, rcvbuf, report, verbose,
        };
        var apply = new ApplyOptions();
        apply.AddTo(command);
        var metrics = new MetricsOptions();
        metrics.AddListenTo(command);
        command.SetAction((result, ct) => CommandRunner.RunAsync(Agent, async token =>
        {
            if (result.GetValue(keep) < 1 || result.GetValue(report) is <= 0 or > 86_400 || result.GetValue(timeout) is < 0 or > 31_536_000)
            {
                throw SyncException.Usage("--keep must be at least 1, --report-interval 0..86400 seconds, --timeout 0..31536000 seconds");
            }

            var bind = UdpArguments.Endpoint("--udp", result.GetValue(udp)!);
            IPAddress? groupAddress = null;
            if (result.GetValue(group) is { } g && (!IPAddress.TryParse(g, out groupAddress) || !IsMulticast(groupAddress)))
            {
                throw SyncException.Usage($"--group: '{g}' is not a multicast address (224.0.0.0/4 or ff00::/8)");
            }

            long buffer = OptionValue.Parse("--rcvbuf", result.GetValue(rcvbuf)!, Sync.Transport.FileDrop.VolumeSize.Parse);

            if (buffer is < UdpReceiveOptions.MinReceiveBufferBytes or > int.MaxValue)
            {
                throw SyncException.Usage($"--rcvbuf must be {UdpReceiveOptions.MinReceiveBufferBytes >> 10}K..2G");
            }

            TimeSpan maxAge = OptionValue.Parse("--spool-max-age", result.GetValue(spoolMaxAge)!, Units.ParseInterval);
            long? spoolBudget = result.GetValue(spoolMaxBytes) is { } budgetText
                ? OptionValue.Parse("--spool-max-bytes", budgetText, Sync.Transport.FileDrop.VolumeSize.Parse)
                : null;

            var key = result.GetValue(macKey) is { } keyPath ? UdpMacKey.Read("--mac-key", keyPath) : null;
            var trustFiles = result.GetValue(trust)!;
            var stateDir = result.GetValue(state)!;
            var mode = PublishOption.Mode(result, publish);
            await using var scrape = await metrics.StartAsync(result, token); // a taken port fails before anything is touched

            using var host = AgentHost.BuildWithWireCodec(Agent, result.GetValue(verbose));
            await host.StartAsync(token);
            var time = host.Time();
            using var gateTrust = TrustStore.Load(trustFiles);
            using var applyTrust = TrustStore.Load(trustFiles);
            using var inside = InsideState.OpenForWrite(stateDir);
            var inbox = new UdpInbox(UdpInbox.DirectoryOf(stateDir));
            var receiver = new UdpReceiver(host.Logger<UdpReceiver>(), time);
            var service = new UdpReceiveService(
                host.WireCodec(), gateTrust, applyTrust, inside, inbox, new IntakeTarget(result.GetValue(target)!, mode, result.GetValue(keep)) { Settings = apply.Read(result) },
                host.Logger<UdpReceiveService>(), time, Console.Out)
            {
                LinkActivity = () => receiver.Stats.PacketsReceived,
            };
            await service.PrepareAsync(token);

            var interval = TimeSpan.FromSeconds(result.GetValue(report));
            var listening = false;
            var options = new UdpReceiveOptions(bind, result.GetValue(spool) ?? Path.Combine(stateDir, "udp-spool"))
            {
                Group = groupAddress,
                MacKey = key,
                ReceiveBufferBytes = (int)buffer,
                ReportInterval = interval,
                SpoolMaxAge = maxAge,
                SpoolMaxBytes = spoolBudget,
                Verifier = service.VerifyTicket,
                WantsSession = service.WantsSession,
                SessionNotAdmitted = service.SessionNotAdmitted,
                // Said once the socket is bound, not before: whoever waits for this line (a script, a test, an
                // operator) may send at once, and a datagram sent before the bind is gone without a trace.
                Listening = () =>
                {
                    listening = true;
                    Console.WriteLine($"receiving on {bind}{(groupAddress is null ? string.Empty : $" (group {groupAddress})")}; published generation {inside.Published.Generation}");
                    ServiceReadiness.Ready(host.Services, $"receiving on {bind}");
                },
            };

            var isOnce = result.GetValue(once);
            var stopping = host.Stopping();
            // --once --timeout N: a deadline on the host's clock, linked in with the stop signals.
            using var deadline = isOnce && result.GetValue(timeout) > 0
                ? new CancellationTokenSource(TimeSpan.FromSeconds(result.GetValue(timeout)), time)
                : new CancellationTokenSource();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(token, stopping, deadline.Token);

            var receiving = receiver.RunAsync(options, service.OnCompleteAsync, stop.Token);
            var applying = service.ApplyLoopAsync(untilPublished: isOnce, stop.Token);
            var reporting = ReportLoopAsync(service, receiver, interval, time, stop.Token);
            var first = await Task.WhenAny(receiving, applying);
            stop.Cancel();
            var outcome = 0;
            try
            {
                await first; // the one that ended first says why: done (--once), a failure, or a stop
                await Task.WhenAll(receiving, applying);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                if (!token.IsCancellationRequested && !stopping.IsCancellationRequested && isOnce && service.PublishedCount == 0)
                {
                    outcome = (int)SyncErrorKind.MissingBase;
                }
            }
            finally
            {
                await reporting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (listening)
                {
                    Console.WriteLine(service.Report(receiver)); // a receiver that never listened has nothing to report
                }

                service.WriteStatus(service.InboxNotes());
            }

            if (outcome != 0)
            {
                CommandRunner.Fail(Agent, string.Create(CultureInfo.InvariantCulture,
                    $"no new generation published within {result.GetValue(timeout)} s (published: generation {inside.Published.Generation})"));
            }
            else if (token.IsCancellationRequested || stopping.IsCancellationRequested)
            {
                Console.WriteLine($"stopped; published generation {inside.Published.Generation}");
            }

            await host.StopAsync(CancellationToken.None);
            return outcome;
        }, ct));
        return command;
    }

    private static async Task ReportLoopAsync(UdpReceiveService service, UdpReceiver receiver, TimeSpan interval, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            Console.WriteLine(service.Report(receiver));
        }
    }

    private static bool IsMulticast(IPAddress address) =>
        address.IsIPv6Multicast || (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && (address.GetAddressBytes()[0] & 0xF0) == 0xE0);
}
