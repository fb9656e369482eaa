using System.CommandLine;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sync.Core;
using Sync.Core.Trust;
using Sync.Hosting;
using Sync.Transport.Udp;

namespace Sync.Outside;

/// <summary>
/// The diode commands of `sync-outside`: `send` (the next generation over send-only UDP), `carousel` (repeat
/// recent generations slowly, forever) and `fec-plan` (sizing aid). A one-way link carries no acknowledgement:
/// `send` records a generation as sent once its last pass has left, and the carousel covers an inside that
/// missed it.
/// </summary>
internal static class UdpCommands
{
    private const string Agent = OutsideAgent.Name;

    /// <summary>The options every sending command shares, parsed into the library's options.</summary>
    private sealed class Link
    {
        public Option<string> Udp { get; } = new("--udp") { Description = "Destination HOST:PORT; HOST may be a multicast group (e.g. 239.255.10.1:7700).", Required = true };

        public Option<string> Rate { get; } = new("--rate") { Description = "Wire rate in bits/s, IPv4/UDP headers included: 800M, 1G, 100k.", Required = true };

        public Option<string> FecOverhead { get; } = new("--fec-overhead") { Description = "Repair symbols per block per pass, percent of data symbols (see fec-plan).", DefaultValueFactory = _ => "25" };

        public Option<int> Interleave { get; } = new("--interleave")
        {
            Description = "Blocks sent interleaved, so a burst costs each block few symbols (see fec-plan). " +
                "Not given: 64 at MTU 1500, fewer with larger datagrams so that a window holds the same bytes (8 at MTU 9000).",
        };

        public Option<int> Mtu { get; } = new("--mtu") { Description = "Link MTU; datagrams are MTU-28 bytes and never fragmented.", DefaultValueFactory = _ => 1500 };

        public Option<int> Ttl { get; } = new("--ttl") { Description = "Multicast TTL.", DefaultValueFactory = _ => 1 };

        public Option<string?> MacKey { get; } = new("--mac-key") { Description = "Shared key file (>= 16 bytes, e.g. openssl rand 32): every packet carries a MAC; the inside drops packets without a valid one." };

        public Option<string?> Local { get; } = new("--local-address") { Description = "Local address to send from (the diode-facing interface's)." };

        public Option<int> DataSymbols { get; } = new("--data-symbols") { Description = "Data symbols per FEC block, k (rs8: 1..255; rs16: up to about 65,000).", DefaultValueFactory = _ => 128 };

        public Option<string> Code { get; } = new("--fec-code")
        {
            Description = "Erasure code: rs8 (GF(2^8), blocks of at most 256 symbols; every inside reads it), rs16 (GF(2^16), blocks of thousands of symbols, " +
                "close to the link's loss rate; needs an inside of this version) or auto (rs16 for streams of at least one rs16 block, rs8 below). " +
                "With rs16, --data-symbols, --fec-overhead and --interleave not given come from fec-plan for 5% random loss; with auto they are rs8's and rs16's come from fec-plan.",
            DefaultValueFactory = _ => "rs8",
        };

        public IEnumerable<Option> All => [Udp, Rate, FecOverhead, Interleave, Mtu, Ttl, MacKey, Local, DataSymbols, Code];

        public UdpSendOptions Parse(ParseResult result, int passes, SigningKey signingKey, string? rateOverride = null)
        {
            var localText = result.GetValue(Local);
            IPAddress? local = null;
            if (localText is not null && !IPAddress.TryParse(localText, out local))
            {
                throw SyncException.Usage($"--local-address: '{localText}' is not an IP address");
            }

            var options = new UdpSendOptions(UdpArguments.Endpoint("--udp", result.GetValue(Udp)!), UdpArguments.Rate("--rate", rateOverride ?? result.GetValue(Rate)!))
            {
                Signer = UdpDescriptor.Signer(signingKey),
                FecOverhead = UdpArguments.Percent("--fec-overhead", result.GetValue(FecOverhead)!, 200),
                Passes = passes,
                Mtu = result.GetValue(Mtu),
                Ttl = result.GetValue(Ttl),
                MacKey = result.GetValue(MacKey) is { } key ? UdpMacKey.Read("--mac-key", key) : null,
                LocalAddress = local,
                DataSymbolsPerBlock = result.GetValue(DataSymbols),
                Code = ParseCode(result.GetValue(Code)!, out bool auto),
            };
            if (result.GetResult(Interleave) is { Implicit: false })
            {
                options = options with { Interleave = result.GetValue(Interleave) };
            }

            if (auto)
            {
                // The shape options are rs8's, for the small streams; the large ones get fec-plan's rs16 shape.
                CheckRanges(options with { Code = FecCode.ReedSolomon8 });
                options = WithLargeBlockDefaults(result, options with { Code = FecCode.ReedSolomon16 }, useGiven: false) with
                {
                    SmallObjects = new FecShape(FecCode.ReedSolomon8, options.DataSymbolsPerBlock, options.FecOverhead, options.Interleave),
                };
            }
            else if (options.Code == FecCode.ReedSolomon16)
            {
                options = WithLargeBlockDefaults(result, options, useGiven: true);
            }

            CheckRanges(options);
            return options;
        }

        private static FecCode ParseCode(string text, out bool auto)
        {
            string code = text.Trim().ToLowerInvariant();
            auto = code == "auto";
            return code switch
            {
                "rs8" => FecCode.ReedSolomon8,
                "rs16" or "auto" => FecCode.ReedSolomon16,
                _ => throw SyncException.Usage($"--fec-code: '{text}' is not a code; use rs8, rs16 or auto"),
            };
        }

        /// <summary>
        /// The shape options the operator left out, from the GF(2^16) plan for 5% independent loss on this link (rate,
        /// MTU, MAC): what rs8's defaults (25% overhead, 64 blocks interleaved) stand for, at a fraction of the overhead.
        /// </summary>
        private UdpSendOptions WithLargeBlockDefaults(ParseResult result, UdpSendOptions options, bool useGiven)
        {
            bool Given(Option option) => useGiven && result.GetResult(option) is { Implicit: false };

            if (Given(DataSymbols) && Given(FecOverhead) && Given(Interleave))
            {
                return options;
            }

            Sync.Transport.Udp.FecPlan plan;
            try
            {
                plan = FecPlanner.PlanLargeBlocks(0.05, 1, options.RateBitsPerSecond, options.Mtu, mac: options.MacKey is not null);
            }
            catch (ArgumentException e)
            {
                throw SyncException.Usage($"--fec-code rs16: {e.Message}");
            }

            return options with
            {
                DataSymbolsPerBlock = Given(DataSymbols) ? options.DataSymbolsPerBlock : plan.DataSymbolsPerBlock,
                FecOverhead = Given(FecOverhead) ? options.FecOverhead : (double)plan.RepairSymbolsPerBlock / plan.DataSymbolsPerBlock,
                Interleave = Given(Interleave) ? options.Interleave : plan.Interleave,
            };
        }

        /// <summary>
        /// The library's own check (<see cref="UdpSendValidation"/>), run here on what the command line and the
        /// configuration file gave, so a bad option fails before a scan, as a usage error naming the option.
        /// </summary>
        private void CheckRanges(UdpSendOptions options)
        {
            if (UdpSendValidation.FirstProblem(options) is not { } problem)
            {
                return;
            }

            var message = problem.Describe(OptionName(problem.Setting));
            throw SyncException.Usage(problem.Setting == UdpSendSetting.Shape && options.Code == FecCode.ReedSolomon8
                ? message + "; lower --fec-overhead or --data-symbols, or use --fec-code rs16"
                : message);
        }

        private string OptionName(UdpSendSetting setting) => setting switch
        {
            UdpSendSetting.Rate => Rate.Name,
            UdpSendSetting.Mtu => Mtu.Name,
            UdpSendSetting.Code => Code.Name,
            UdpSendSetting.DataSymbols => DataSymbols.Name,
            UdpSendSetting.FecOverhead => FecOverhead.Name,
            UdpSendSetting.Shape => $"{DataSymbols.Name} and {FecOverhead.Name}",
            UdpSendSetting.Interleave => Interleave.Name,
            UdpSendSetting.Passes or UdpSendSetting.FirstPass => "--passes",
            UdpSendSetting.Ttl => Ttl.Name,
            UdpSendSetting.MacKey => MacKey.Name,
            _ => setting.ToString(),
        };
    }

    public static Command Send()
    {
        var common = new SourceOptions(
            "The outside's state directory (what was sent, scan cache, udp-spool/).",
            "Send a full generation that needs nothing on the inside (for an inside that is new or more than --keep-spools behind).");
        var link = new Link();
        var passes = new Option<int>("--passes") { Description = "Passes over the stream; each later pass sends fresh repair symbols.", DefaultValueFactory = _ => 2 };
        var keepSpools = new Option<int>("--keep-spools") { Description = "Generations whose streams stay in udp-spool/ for the carousel.", DefaultValueFactory = _ => 3 };
        var carousel = new Option<bool>("--carousel") { Description = "After the send, keep repeating the kept generations at --carousel-rate until stopped." };
        var carouselRate = new Option<string?>("--carousel-rate") { Description = "Rate of the carousel (default: 5% of --rate)." };
        var command = new Command("send", "Scan the next generation and transmit what the inside lacks over send-only UDP (data diode), then record it as sent.")
        {
            passes, keepSpools, carousel, carouselRate,
        };
        common.AddTo(command);
        command.AddOptions(link.All);

        var metrics = new MetricsOptions();
        metrics.AddFileTo(command);
        metrics.AddListenTo(command);
        command.SetAction((result, ct) => CommandRunner.RunAsync(Agent, token => metrics.RunWithFileAsync(Agent, result, async () =>
        {
            // The key signs the stream's header and every session ticket: the carousel after the send needs it too.
            using var signingKey = SigningKey.Load(result.GetValue(common.Key)!);
            var options = link.Parse(result, result.GetValue(passes), signingKey);
            var keep = result.GetValue(keepSpools);
            if (keep < 1)
            {
                throw SyncException.Usage("--keep-spools must be at least 1");
            }

            var carouselOptions = result.GetValue(carousel)
                ? options with { RateBitsPerSecond = result.GetValue(carouselRate) is { } r ? UdpArguments.Rate("--carousel-rate", r) : Math.Max(8_000, options.RateBitsPerSecond / 20) }
                : null;

            using var host = AgentHost.BuildWithWireCodec(Agent, result.GetValue(common.Verbose));
            await host.StartAsync(token);
            await using var scrape = await metrics.StartAsync(result, token);
            using var stopping = host.LinkToStopping(token);
            token = stopping.Token;
            int exitCode;
            try
            {
                var time = host.Time();
                var sender = new UdpSender(host.Logger<UdpSender>(), time);
                var carrier = new UdpCarrier(sender, options, keep);
                exitCode = Publishing.Finish(await Publishing.WithProgressAsync(result.GetValue(common.Quiet), time, (progress, lines) => Publishing.Publisher(host).PublishAsync(
                    common.Generation(result, signingKey), carrier, lines, progress, token)));

                if (carouselOptions is not null)
                {
                    // The state lock is released: a later `send` may run beside this carousel and its generation joins it.
                    var carouselRunner = new UdpCarousel(carrier.Spool, sender, host.Logger<UdpCarousel>(), time);
                    try
                    {
                        await carouselRunner.RunAsync(carouselOptions, keep, 0, TimeSpan.FromSeconds(1), Console.Out, token);
                    }
                    catch (OperationCanceledException) when (token.IsCancellationRequested)
                    {
                        Console.WriteLine("carousel stopped");
                    }
                }

            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // Signalled: what was spooled counts as sent on the next run (see SpoolWrite).
                CommandRunner.Fail(Agent, "cancelled; a generation whose stream was spooled is recorded as sent on the next run");
                return CommandRunner.Cancelled;
            }

            await host.StopAsync(CancellationToken.None);
            return exitCode;
        }), ct));
        return command;
    }

    public static Command Carousel()
    {
        var state = new Option<string>("--state") { Description = "The outside's state directory; its udp-spool/ holds what `send` sent.", Required = true };
        var key = new Option<string>("--key") { Description = "The private signing key (it signs each session's announce).", Required = true };
        var link = new Link();
        var generations = new Option<int>("--generations") { Description = "Newest generations repeated, oldest first.", DefaultValueFactory = _ => 3 };
        var rounds = new Option<int>("--rounds") { Description = "Stop after this many rounds (0: run until stopped).", DefaultValueFactory = _ => 0 };
        var pause = new Option<double>("--pause") { Description = "Seconds idle between rounds.", DefaultValueFactory = _ => 1 };
        var verbose = StandardOptions.Verbose();
        var command = new Command("carousel", "Repeat the newest generations' streams slowly until stopped, so an inside that was down catches up with no operator.")
        {
            state, key, generations, rounds, pause, verbose,
        };
        command.AddOptions(link.All);

        var metrics = new MetricsOptions();
        metrics.AddListenTo(command);
        command.SetAction((result, ct) => CommandRunner.RunAsync(Agent, async token =>
        {
            using var signingKey = SigningKey.Load(result.GetValue(key)!);
            var options = link.Parse(result, passes: 1, signingKey);
            if (result.GetValue(generations) < 1 || result.GetValue(rounds) < 0 || result.GetValue(pause) is < 0 or > 86_400)
            {
                throw SyncException.Usage("--generations must be at least 1, --rounds at least 0, --pause 0..86400 seconds");
            }

            var stateDir = result.GetValue(state)!;
            if (!Directory.Exists(stateDir))
            {
                throw SyncException.Usage($"state directory '{stateDir}' does not exist");
            }

            using var host = AgentHost.Build(Agent, result.GetValue(verbose), _ => { });
            await host.StartAsync(token);
            await using var scrape = await metrics.StartAsync(result, token);
            using var stopping = host.LinkToStopping(token);
            token = stopping.Token;
            var time = host.Time();
            var runner = new UdpCarousel(UdpSpool.Open(stateDir), new UdpSender(host.Logger<UdpSender>(), time), host.Logger<UdpCarousel>(), time);
            ServiceReadiness.Ready(host.Services, $"carousel to {options.Destination}");
            try
            {
                await runner.RunAsync(options, result.GetValue(generations), result.GetValue(rounds), TimeSpan.FromSeconds(result.GetValue(pause)), Console.Out, token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                Console.WriteLine("carousel stopped");
            }

            await host.StopAsync(CancellationToken.None);
            return 0;
        }, ct));
        return command;
    }

    public static Command FecPlan()
    {
        var loss = new Option<string>("--loss") { Description = "Measured packet loss, percent (e.g. 1, 0.5, 5%).", Required = true };
        var burst = new Option<int>("--burst") { Description = "Burst length in packets: the longest seen (rs8), the mean (rs16; 1 = independent loss).", DefaultValueFactory = _ => 1 };
        var periodic = new Option<bool>("--periodic") { Description = "Bursts of --burst packets come at a steady period (every burst / loss packets), not at random." };
        var rate = new Option<string>("--rate") { Description = "Wire rate in bits/s: 800M, 1G.", Required = true };
        var mtu = new Option<int>("--mtu") { Description = "Link MTU.", DefaultValueFactory = _ => 1500 };
        var mac = new Option<bool>("--mac") { Description = "Packets carry a MAC (--mac-key on send): 16 bytes less payload." };
        var dataSymbols = new Option<int>("--data-symbols") { Description = "Data symbols per rs8 block, k.", DefaultValueFactory = _ => 128 };
        var memory = new Option<int>("--memory-mib") { Description = "Memory per side the rs16 plan may use, MiB.", DefaultValueFactory = _ => (int)(FecPlanner.DefaultMemoryBudgetBytes >> 20) };
        var command = new Command("fec-plan", "Print the FEC settings to use for a measured loss rate and burst length, for both codes (rs8 and rs16), with the risk and what it assumes.")
        {
            loss, burst, periodic, rate, mtu, mac, dataSymbols, memory,
        };
        command.SetAction((result, ct) => CommandRunner.RunAsync(Agent, _ =>
        {
            var lossRate = UdpArguments.Percent("--loss", result.GetValue(loss)!, 50);
            var bits = UdpArguments.Rate("--rate", result.GetValue(rate)!);
            if (result.GetValue(burst) < 1 || result.GetValue(mtu) is < UdpSendValidation.MinMtu or > UdpSendValidation.MaxMtu ||
                result.GetValue(dataSymbols) is < 1 or > 255 || result.GetValue(memory) < 1)
            {
                throw SyncException.Usage(string.Create(CultureInfo.InvariantCulture,
                    $"--burst must be at least 1, --mtu {UdpSendValidation.MinMtu}..{UdpSendValidation.MaxMtu}, --data-symbols 1..255, --memory-mib at least 1"));
            }

            Sync.Transport.Udp.FecPlan small, large;
            try
            {
                small = FecPlanner.Plan(lossRate, result.GetValue(burst), bits, result.GetValue(mtu), result.GetValue(dataSymbols));
                large = FecPlanner.PlanLargeBlocks(lossRate, result.GetValue(burst), bits, result.GetValue(mtu), result.GetValue(periodic), result.GetValue(mac), (long)result.GetValue(memory) << 20);
            }
            catch (ArgumentException e)
            {
                throw SyncException.Usage(e.Message);
            }

            var i = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(i, $"loss {lossRate:P2}, bursts of {result.GetValue(burst)} packets{(result.GetValue(periodic) ? " (periodic)" : "")}, {BitRate.Format(bits)}, MTU {result.GetValue(mtu)}{(result.GetValue(mac) ? ", MAC" : "")}"));
            Console.WriteLine();
            Console.WriteLine(string.Create(i, $"rs16 (GF(2^16), large blocks; needs an inside of this version or later):"));
            Console.WriteLine(string.Create(i, $"use:      --fec-code rs16 --data-symbols {large.DataSymbolsPerBlock} --fec-overhead {OverheadPercent(large.DataSymbolsPerBlock, large.RepairSymbolsPerBlock)} --interleave {large.Interleave}   ({large.RepairSymbolsPerBlock} repair symbols per block per pass)"));
            Console.WriteLine(string.Create(i, $"goodput:  {BitRate.Format(large.GoodputBitsPerSecond)} of stream data"));
            Console.WriteLine(string.Create(i, $"risk:     a GB fails to decode in one pass with probability {large.GigabyteFailureProbability:0.##E+0} (a second pass or the carousel repairs it)"));
            Console.WriteLine(string.Create(i, $"memory:   about {large.SenderMemoryBytes >> 20} MiB on the outside, {large.ReceiverMemoryBytes >> 20} MiB on the inside per session"));
            Console.WriteLine(large.Explanation);
            Console.WriteLine("assumes:");
            foreach (var assumption in large.Assumptions)
            {
                Console.WriteLine($"  - {assumption}");
            }

            Console.WriteLine();
            Console.WriteLine(string.Create(i, $"rs8 (GF(2^8), k = {result.GetValue(dataSymbols)}; every inside reads it, and it costs less on small objects: an rs16 object pays up to r repair symbols per pass even when it is smaller than a block):"));
            Console.WriteLine(string.Create(i, $"use:      --fec-code rs8 --fec-overhead {small.FecOverhead * 100:0.##} --interleave {small.Interleave}   ({small.RepairSymbolsPerBlock} repair symbols per block per pass)"));
            Console.WriteLine(string.Create(i, $"goodput:  {BitRate.Format(small.GoodputBitsPerSecond)} of stream data"));
            Console.WriteLine(string.Create(i, $"risk:     a GB fails to decode in one pass with probability {small.GigabyteFailureProbability:0.##E+0} (a second pass or the carousel repairs it)"));
            Console.WriteLine(small.Explanation);
            return Task.FromResult(0);
        }, ct));
        return command;
    }

    /// <summary>The shortest percentage that --fec-overhead turns back into exactly <paramref name="repair"/> symbols for k = <paramref name="k"/>.</summary>
    private static string OverheadPercent(int k, int repair)
    {
        for (int decimals = 0; decimals < 10; decimals++)
        {
            double percent = Math.Round(100.0 * repair / k, decimals, MidpointRounding.AwayFromZero);
            if ((int)Math.Ceiling(k * (percent / 100) - 1e-9) == repair)
            {
                return percent.ToString(CultureInfo.InvariantCulture);
            }
        }

        return (100.0 * repair / k).ToString("R", CultureInfo.InvariantCulture);
    }
}
