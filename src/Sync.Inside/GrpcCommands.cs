using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog.Events;
using Sync.Core;
using Sync.Core.Apply;
using Sync.Core.Trust;
using Sync.Engine.Inside;
using Sync.Engine.Outside;
using Sync.Hosting;
using Sync.Transport.Grpc;

namespace Sync.Inside;

/// <summary>
/// The gRPC carrier's inside commands: `serve` waits for outsides that push; `pull` dials an outside that serves,
/// once or every so often. Either way the inside says what it holds and receives exactly the rest.
/// </summary>
internal static class GrpcCommands
{
    private const string Agent = InsideAgent.Name;

    public static Command Serve()
    {
        var common = new TargetOptions();
        var serving = new GrpcServeOptions();
        var command = new Command("serve", "Receive generations pushed by `sync-outside push`, one at a time, until stopped.");
        common.AddTo(command);
        serving.AddTo(command);
        command.SetAction((result, ct) => CommandRunner.RunAsync(Agent, async token =>
        {
            var listen = serving.Read(result);
            var target = common.Target(result);
            var wait = serving.Serve.Wait(result);
            using var trust = TrustStore.Load(result.GetValue(common.Trust)!);
            // The lock first: a second serve on this state is busy (6), not a metrics port already taken (1).
            using var serviceLock = ServiceLock.Acquire(Agent, "serve", target.StateDirectory);
            CheckTarget(target);
            return await serving.RunAsync(
                Agent, result, listen, result.GetValue(common.Verbose), target.Target,
                services =>
                {
                    services.AddInsideEndpoint(target, trust, wait);
                    services.AddSingleton<IServingState>(new InsideServingState(target.StateDirectory, target.Target));
                },
                app => app.MapInsideEndpoint(),
                logs => InsideLog.Serving(logs.CreateLogger<InsideSession>(), target.Target, listen.Endpoint, listen.Tls.ServerSecurity),
                token);
        }, ct));
        return command;
    }

    public static Command Pull()
    {
        var common = new TargetOptions();
        var from = new Option<string>("--from") { Description = "The outside's URL: https://HOST:PORT (http:// only to loopback).", Required = true };
        var every = new Option<string>("--every") { Description = "Keep pulling at this interval (e.g. 10m, 1h) until stopped, instead of once." };
        var quiet = StandardOptions.Quiet();
        var tls = new TlsOptions();
        var metrics = new MetricsOptions();
        var command = new Command("pull", "Ask the outside (`sync-outside serve`) for what this inside lacks and publish it; once, or --every DURATION.");
        common.AddTo(command);
        command.AddOptions(from, every, quiet);
        metrics.AddListenTo(command);
        metrics.AddFileTo(command);
        tls.AddClientOptions(command);
        command.SetAction((result, ct) => CommandRunner.RunAsync(Agent, token => metrics.RunWithFileAsync(Agent, result, async () =>
        {
            var url = result.GetValue(from)!;
            TimeSpan? interval = result.GetValue(every) is { } text ? OptionValue.Parse("--every", text, Units.ParseInterval) : null;
            if (interval is null ? result.GetValue(metrics.Listen) is not null : result.GetValue(metrics.File) is not null)
            {
                throw SyncException.Usage(interval is null
                    ? "--metrics-listen is for a pull that keeps running (--every); a single pull writes --metrics-file"
                    : "--metrics-file is for a single pull; a pull --every answers scrapes on --metrics-listen");
            }

            var settings = tls.Client(result);
            var target = common.Target(result);
            var verbose = result.GetValue(common.Verbose);
            // A long-running puller logs one line per sync, like the servers; a one-shot pull prints its result.
            var level = verbose ? LogEventLevel.Debug : interval is null ? LogEventLevel.Warning : LogEventLevel.Information;
            using var service = AgentHost.BuildWithWireCodec(Agent, level);
            await service.StartAsync(token);
            var time = service.Time();
            using var trust = TrustStore.Load(result.GetValue(common.Trust)!);
            CheckTarget(target);
            using var channel = GrpcClient.Create(url, settings);
            var session = new InsideSession(
                service.WireCodec(), trust, service.Logger<InsideSession>(), time, SyncGate.Private(time));
            if (interval is null)
            {
                var pulled = await ProgressDisplay.ShowWhileAsync(result.GetValue(quiet), time, progress => session.PullAsync(channel, url, target, progress, token));
                await service.StopAsync(CancellationToken.None);
                return Report(pulled);
            }

            await using var scrape = await metrics.StartAsync(result, token);
            var logger = service.Logger<InsideSession>();
            InsideLog.Pulling(logger, url, interval.Value);
            ServiceReadiness.Ready(service.Services, $"pulling from {url} every {interval}");
            using var stopping = service.LinkToStopping(token);
            token = stopping.Token;
            while (!token.IsCancellationRequested)
            {
                try
                {
                    var answer = (await session.PullAsync(channel, url, target, new OperationProgress(), token)).Answer;
                    if (answer.Status == InsideAnswerStatus.NothingNew)
                    {
                        InsideLog.Current(logger, answer.Generation);
                    }
                    else if (answer.Status != InsideAnswerStatus.Published)
                    {
                        InsideLog.PullNotPublished(logger, url, answer.Status, answer.Message);
                    }
                }
                catch (SyncException e)
                {
                    InsideMetrics.SyncFailed(time.GetUtcNow());
                    InsideLog.PullFailed(logger, url, e.Message);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    // Stopped in the middle of a pull: what arrived is kept for a resume, and a stop is no failure.
                    break;
                }

                try
                {
                    await Task.Delay(interval.Value, time, token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            await service.StopAsync(CancellationToken.None);
            return 0;
        }), ct));
        return command;
    }

    private static void CheckTarget(InsideTarget target)
    {
        using var state = InsideState.OpenForWrite(target.StateDirectory);
        InsideMetrics.SetPublished(state.Published.Generation);
        if (state.ReadJournal() is null)
        {
            Publisher.CheckTarget(state, target.Target, target.Mode);
        }
    }

    private static int Report(PullResult pulled)
    {
        var answer = pulled.Answer;
        switch (answer.Status)
        {
            case InsideAnswerStatus.Published:
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"generation {answer.Generation} published; {pulled.BytesReceived} bytes received ({Units.Bytes(pulled.BytesReceived)})"));
                return 0;
            case InsideAnswerStatus.NothingNew:
                Console.WriteLine($"generation {answer.Generation} published; the outside has nothing newer");
                return 0;
            default:
                CommandRunner.Fail(Agent, answer.Message);
                return (int)answer.Kind;
        }
    }

    /// <summary>The options serve and pull share with import.</summary>
    private sealed class TargetOptions
    {
        public Option<string> TargetPath { get; } = TargetOption.Create();

        public Option<string> State { get; } = StateOption.Create();

        public Option<string[]> Trust { get; } = TrustOption.Create();

        public Option<string> Publish { get; } = PublishOption.Create();

        public Option<int> Keep { get; } = KeepOption.Create();

        public Option<bool> Verbose { get; } = StandardOptions.Verbose();

        public Option<string> IdleTimeout { get; } = new("--idle-timeout")
        {
            Description = "Give up on an outside that sends nothing, or reads nothing, for this long while it is due to (default 10m); its data is kept for a resume.",
            DefaultValueFactory = _ => "10m",
        };

        public ApplyOptions Apply { get; } = new();

        public void AddTo(Command command)
        {
            command.AddOptions(TargetPath, State, Trust, Publish, Keep, IdleTimeout, Verbose);
            Apply.AddTo(command);
        }

        public InsideTarget Target(ParseResult result)
        {
            var keep = KeepOption.Read(result, Keep);
            TimeSpan idle = OptionValue.Parse("--idle-timeout", result.GetValue(IdleTimeout)!, Units.ParseInterval);

            return new InsideTarget(
                result.GetValue(TargetPath)!,
                result.GetValue(State)!,
                PublishOption.Mode(result, Publish),
                keep)
            {
                IdleTimeout = idle,
                Settings = Apply.Read(result),
            };
        }
    }
}
