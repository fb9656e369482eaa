using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sync.Core;
using Sync.Core.Export;
using Sync.Core.Trust;
using Sync.Hosting;
using Sync.Transport.Grpc;

namespace Sync.Outside;

/// <summary>
/// The gRPC carrier's outside commands: `push` dials an inside that serves; `serve` waits for insides that pull.
/// Either way the inside says what it holds and gets exactly the rest.
/// </summary>
internal static class GrpcCommands
{
    private const string Agent = OutsideAgent.Name;

    public static Command Push()
    {
        var common = new ServedSourceOptions();
        var to = new Option<string>("--to") { Description = "The inside's URL: https://HOST:PORT (http:// only to loopback).", Required = true };
        var tls = new TlsOptions();
        var command = new Command("push", "Scan the next generation, ask the inside what it holds, send exactly the rest; exit 0 once the inside has published it.");
        common.AddTo(command);
        command.Options.Add(to);
        tls.AddClientOptions(command);
        var metrics = new MetricsOptions();
        metrics.AddFileTo(command);
        command.SetAction((result, ct) => CommandRunner.RunAsync(Agent, token => metrics.RunWithFileAsync(Agent, result, async () =>
        {
            var url = result.GetValue(to)!;
            var settings = tls.Client(result);
            using var host = AgentHost.BuildWithWireCodec(Agent, result.GetValue(common.Verbose));
            await host.StartAsync(token);
            using var channel = GrpcClient.Create(url, settings);
            using var key = SigningKey.Load(result.GetValue(common.Key)!);
            var source = common.Source(result, key);
            var time = host.Time();
            var session = new OutsideSession(host.WireCodec(), host.Logger<OutsideSession>(), time, SyncGate.Private(time));
            var outcome = await Publishing.WithProgressAsync(result.GetValue(common.Quiet), time, async (progress, lines) =>
            {
                // Scan before dialling: the inside admits one sync at a time, so it is not held while a large tree is
                // hashed; the scan inside the session then only checks size, mtime and inode against this cache.
                await Publishing.Publisher(host).ScanAsync(source.Source, source.StateDirectory, source.Options, progress, token);
                // --verify was honoured by the scan above; the session's own scan trusts the fresh cache.
                var scanned = source with { Options = source.Options with { Verify = false } };
                return await session.PushAsync(channel, url, scanned, lines, progress, token);
            });

            await host.StopAsync(CancellationToken.None);
            return Publishing.Finish(outcome);
        }), ct));
        return command;
    }

    public static Command Serve()
    {
        var common = new ServedSourceOptions();
        var serving = new GrpcServeOptions();
        var command = new Command("serve", "Serve generations to insides that pull (`sync-inside pull`), one at a time, until stopped.");
        common.AddTo(command);
        serving.AddTo(command);
        command.SetAction((result, ct) => CommandRunner.RunAsync(Agent, async token =>
        {
            var listen = serving.Read(result);
            var wait = serving.Serve.Wait(result);
            using var key = SigningKey.Load(result.GetValue(common.Key)!);
            var source = common.Source(result, key);
            using var serviceLock = ServiceLock.Acquire(Agent, "serve", source.StateDirectory);
            using (var state = OutsideState.Open(source.StateDirectory))
            {
                // Fails fast on a state directory another process holds or cannot be used.
                Sync.Engine.Outside.OutsideMetrics.SetGeneration(state.Current.Generation);
            }

            if (!Directory.Exists(source.Source))
            {
                throw SyncException.Usage($"source '{source.Source}' does not exist");
            }

            return await serving.RunAsync(
                Agent, result, listen, result.GetValue(common.Verbose), source.Source,
                services => services.AddOutsideEndpoint(source, wait),
                app => app.MapOutsideEndpoint(),
                logs => OutsideLog.Serving(logs.CreateLogger<OutsideSession>(), source.Source, listen.Endpoint, listen.Tls.ServerSecurity),
                token);
        }, ct));
        return command;
    }

    /// <summary>What push and serve take: the publishing options, and the link's rate and patience.</summary>
    private sealed class ServedSourceOptions
    {
        public SourceOptions Common { get; } = new("The outside's state directory.", "Send a full generation even when the inside holds one this outside knows.");

        public Option<string?> MaxRate { get; } = new("--max-rate")
        {
            Description = "The most bits per second to send (e.g. 400M, 1G), for a link shared with other traffic. Default: as fast as the link and the inside allow.",
        };

        public Option<string> IdleTimeout { get; } = new("--idle-timeout")
        {
            Description = "Give up on an inside that sends nothing, or reads nothing, for this long while it is due to (default 10m).",
            DefaultValueFactory = _ => "10m",
        };

        public Option<string> Key => Common.Key;

        public Option<bool> Quiet => Common.Quiet;

        public Option<bool> Verbose => Common.Verbose;

        public void AddTo(Command command)
        {
            Common.AddTo(command);
            command.AddOptions(MaxRate, IdleTimeout);
        }

        public OutsideSource Source(ParseResult result, SigningKey key)
        {
            var generation = Common.Generation(result, key);
            return new OutsideSource(
                generation.Source,
                generation.StateDirectory,
                key,
                generation.Options,
                result.GetValue(MaxRate) is { } rate ? UdpArguments.Rate("--max-rate", rate) : null)
            {
                IdleTimeout = OptionValue.Parse("--idle-timeout", result.GetValue(IdleTimeout)!, Units.ParseInterval),
            };
        }
    }
}
