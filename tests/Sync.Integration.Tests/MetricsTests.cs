using System.Globalization;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Grpc.Health.V1;
using Sync.Protocol;
using Sync.Protocol.V1;
using Sync.Transport.FileDrop;
using Sync.Integration.Tests.Infrastructure;
using Sync.Testing.Metrics;

namespace Sync.Integration.Tests;

/// <summary>
/// Metrics and health with the real agents: a scrape of a running `serve` and `receive` over loopback compared with
/// what they print and what `status` says, the textfile of one-shot commands, and the gRPC health check before and
/// after a failed apply.
/// </summary>
[Collection("grpc")]
public sealed class MetricsTests
{
    [Fact]
    public async Task Import_writes_a_metrics_file_atomically_that_matches_its_result_line()
    {
        using var pair = await SyncPair.CreateAsync();
        GrpcTests.MakeTree(pair.Source);
        var folder = pair.MakeDir("textfile");
        var file = Path.Combine(folder, "sync-inside.prom");
        await Run.Ok(pair.Export("--metrics-file", Path.Combine(folder, "sync-outside.prom")));
        var first = await Run.Ok(pair.Import("--metrics-file", file));
        GrpcTests.ChangeTree(pair.Source);
        await Run.Ok(pair.Export("--metrics-file", Path.Combine(folder, "sync-outside.prom")));
        var second = await Run.Ok(pair.Import("--metrics-file", file));

        var result = Regex.Match(second.Stdout, @"generation (\d+) published \(was 1\), signed by key \S+ \S+; (\d+) bundle\(s\) applied, (\d+) content bytes received");
        Assert.True(result.Success, second.ToString());
        var samples = PrometheusSamples.Parse(File.ReadAllText(file));
        Assert.Equal(2, samples["sync_inside_published_generation"]);
        Assert.Equal(long.Parse(result.Groups[1].Value, CultureInfo.InvariantCulture), samples["sync_inside_published_generation"]);
        Assert.Equal(long.Parse(result.Groups[2].Value, CultureInfo.InvariantCulture), samples["sync_inside_generations_published_total"]);
        Assert.Equal(long.Parse(result.Groups[3].Value, CultureInfo.InvariantCulture), samples["sync_inside_received_bytes_total"]);
        Assert.Equal(0, samples["sync_inside_generation_lag"]);
        Assert.Equal(0, samples["sync_inside_refused_total{reason=\"signature\"}"]);
        Assert.Equal(1, samples["sync_inside_apply_duration_seconds_count"]);
        Assert.InRange(samples["sync_inside_last_success_timestamp_seconds"], DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeSeconds());
        Assert.Contains("content bytes received", first.Stdout);

        var outside = PrometheusSamples.Parse(File.ReadAllText(Path.Combine(folder, "sync-outside.prom")));
        Assert.Equal(2, outside["sync_outside_generation"]);
        Assert.Equal(1, outside["sync_outside_generations_emitted_total"]);

        // Only the two files: written under a hidden temporary name and renamed, nothing left behind.
        Assert.Equal(["sync-inside.prom", "sync-outside.prom"], Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_refused_import_counts_its_reason_and_keeps_the_last_success_of_the_run_before()
    {
        using var pair = await SyncPair.CreateAsync();
        GrpcTests.MakeTree(pair.Source);
        var file = Path.Combine(pair.MakeDir("textfile"), "sync-inside.prom");
        await Run.Ok(pair.Export());
        await Run.Ok(pair.Import("--metrics-file", file));
        var succeeded = PrometheusSamples.Parse(File.ReadAllText(file))["sync_inside_last_success_timestamp_seconds"];

        // The same generation again, from an outside with a fresh state: a replay, refused.
        foreach (var bundle in Directory.GetFiles(pair.Drop))
        {
            File.Delete(bundle);
        }

        await Run.Ok(Run.Outside("export", "--source", pair.Source, "--state", pair.Dir("other-outside-state"), "--key", pair.Key, "--drop", pair.Drop, "--quiet"));
        var refused = await pair.Import("--metrics-file", file);

        Assert.Equal(3, refused.ExitCode);
        var samples = PrometheusSamples.Parse(File.ReadAllText(file));
        Assert.Equal(1, samples["sync_inside_refused_total{reason=\"replay\"}"]);
        Assert.Equal(succeeded, samples["sync_inside_last_success_timestamp_seconds"]);
        Assert.True(samples["sync_inside_last_failure_timestamp_seconds"] >= succeeded);
        Assert.Equal(1, samples["sync_inside_published_generation"]);
    }

    [Fact]
    public async Task A_delta_waiting_for_its_base_shows_as_lag()
    {
        using var pair = await SyncPair.CreateAsync();
        GrpcTests.MakeTree(pair.Source);
        var file = Path.Combine(pair.MakeDir("textfile"), "sync-inside.prom");
        await Run.Ok(pair.Export());
        foreach (var bundle in Directory.GetFiles(pair.Drop))
        {
            File.Delete(bundle); // generation 1 never reaches the inside
        }

        GrpcTests.ChangeTree(pair.Source);
        await Run.Ok(pair.Export());
        var waiting = await pair.Import("--metrics-file", file);

        Assert.Equal(4, waiting.ExitCode);
        var samples = PrometheusSamples.Parse(File.ReadAllText(file));
        Assert.Equal(0, samples["sync_inside_published_generation"]);
        Assert.Equal(2, samples["sync_inside_newest_known_generation"]);
        Assert.Equal(2, samples["sync_inside_generation_lag"]);
        Assert.Equal(1, samples["sync_inside_waiting"]);
    }

    [Fact]
    public async Task A_serving_inside_answers_scrapes_that_match_its_status()
    {
        using var pair = await SyncPair.CreateAsync();
        GrpcTests.MakeTree(pair.Source);
        var metricsPort = ServerProcess.FreePort();
        var (server, url) = await pair.ServeInsideAsync("--metrics-listen", $"127.0.0.1:{metricsPort}");
        await using (server)
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };
            var before = PrometheusSamples.Parse(await http.GetStringAsync("/metrics"));
            Assert.Equal(0, before["sync_inside_published_generation"]);

            await Run.Ok(pair.Push(url));
            GrpcTests.ChangeTree(pair.Source);
            await Run.Ok(pair.Push(url));

            var response = await http.GetAsync("/metrics");
            Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
            var samples = PrometheusSamples.Parse(await response.Content.ReadAsStringAsync());
            // status --json is the operator's other view of the same state: they must agree.
            var status = await Run.Ok(Run.Inside("status", "--state", pair.InsideState, "--json"));
            using var document = System.Text.Json.JsonDocument.Parse(status.Stdout);
            var published = document.RootElement.GetProperty("published_generation").GetInt64();
            Assert.Equal(2, published);
            Assert.Equal(published, samples["sync_inside_published_generation"]);
            Assert.Equal(2, samples["sync_inside_generations_published_total"]);
            Assert.Equal(0, samples["sync_inside_generation_lag"]);
            Assert.True(samples["sync_inside_received_bytes_total"] > 3_000_000, "the first push carried a 3 MB package");
            Assert.Equal(0, samples["sync_inside_last_apply_failed"]);
            Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync("/other")).StatusCode);
            Assert.Equal(0, await server.StopAsync());
        }
    }

    [Fact]
    public async Task Health_is_not_serving_after_a_failed_apply_and_serving_again_after_a_good_one()
    {
        using var pair = await SyncPair.CreateAsync();
        pair.Publish = "in-place";
        GrpcTests.MakeTree(pair.Source);
        var metricsPort = ServerProcess.FreePort();
        var (server, url) = await pair.ServeInsideAsync("--metrics-listen", $"127.0.0.1:{metricsPort}");
        await using (server)
        {
            using var channel = Sync.Transport.Grpc.GrpcClient.Create(url, Sync.Transport.Grpc.TlsSettings.None);
            var health = new Health.HealthClient(channel);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };
            await Run.Ok(pair.Push(url));
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);

            // Something on the inside drops a file into the suite the next generation changes: in place, that apply
            // is refused for the inside's own reason, and until one works the inside cannot apply.
            var localNote = Path.Combine(pair.Target, "dists/stable/local-note");
            File.WriteAllText(localNote, "mine");
            GrpcTests.ChangeTree(pair.Source);
            var failed = await pair.Push(url);
            Assert.Equal(3, failed.ExitCode);
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, (await health.CheckAsync(new HealthCheckRequest())).Status);
            var down = PrometheusSamples.Parse(await http.GetStringAsync("/metrics"));
            Assert.Equal(1, down["sync_inside_last_apply_failed"]);
            Assert.Equal(1, down["sync_inside_refused_total{reason=\"local-tree\"}"]);

            File.Delete(localNote);
            await Run.Ok(pair.Push(url));
            TreeAssert.Equal(pair.Source, pair.Target);
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
            Assert.Equal(0, PrometheusSamples.Parse(await http.GetStringAsync("/metrics"))["sync_inside_last_apply_failed"]);
        }
    }

    [Fact]
    public async Task A_cut_transfer_is_no_reason_to_stop_serving()
    {
        using var pair = await SyncPair.CreateAsync();
        GrpcResumeTests.MakeLargeTree(pair.Source);
        var metricsPort = ServerProcess.FreePort();
        var (server, url) = await pair.ServeInsideAsync("--metrics-listen", $"127.0.0.1:{metricsPort}");
        await using (server)
        {
            var (pusher, done) = Run.StartAgent("sync-outside", pair.PushArgs(url, GrpcResumeTests.PacedForCut));
            using (pusher)
            {
                await GrpcTests.WaitForStagedBytesAsync(pair, 20_000_000, done);
                pusher.Kill();
                await done;
            }

            await server.WaitForOutputAsync("cut after");
            using var channel = Sync.Transport.Grpc.GrpcClient.Create(url, Sync.Transport.Grpc.TlsSettings.None);
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest())).Status);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };
            var samples = PrometheusSamples.Parse(await http.GetStringAsync("/metrics"));
            Assert.Equal(0, samples["sync_inside_last_apply_failed"]);
            Assert.True(samples["sync_inside_last_failure_timestamp_seconds"] > 0, "the cut sync is still the last failure");
        }
    }

    [Fact]
    public async Task An_outside_that_ends_its_stream_early_is_no_reason_to_stop_serving()
    {
        using var pair = await SyncPair.CreateAsync();
        GrpcTests.MakeTree(pair.Source);
        // A genuine generation 1, recorded as a bundle, of which only the first half of the frames is sent.
        await Run.Ok(Run.Outside("export", "--source", pair.Source, "--state", pair.Dir("recording-state"), "--key", pair.Key, "--drop", pair.Drop, "--quiet"));
        using var trust = Sync.Core.Trust.TrustStore.Load([pair.Key + ".pub"]);
        var frames = new List<OutsideMessage>();
        await using (var reader = BundleReader.Open(Assert.Single(BundleCatalog.Scan(pair.Drop, trust)), pair.Drop))
        {
            while (await reader.ReadAsync(CancellationToken.None) is { } frame)
            {
                frames.Add(OutsideMessage.Parser.ParseFrom(new OutsideMessage { Frame = FrameCodec.ToWire(frame) }.ToByteArray()));
            }
        }

        var (server, url) = await pair.ServeInsideAsync();
        await using (server)
        {
            using var channel = Sync.Transport.Grpc.GrpcClient.Create(url, Sync.Transport.Grpc.TlsSettings.None);
            using (var call = new InsideEndpoint.InsideEndpointClient(channel).Push())
            {
                await call.RequestStream.WriteAsync(new OutsideMessage { Hello = new Hello { ProtocolVersion = 1, Agent = "test" } });
                while (await call.ResponseStream.MoveNext(CancellationToken.None) && !call.ResponseStream.Current.Holdings.Last)
                {
                }

                foreach (var message in frames.Take(frames.Count / 2))
                {
                    await call.RequestStream.WriteAsync(message);
                }

                await call.RequestStream.CompleteAsync(); // a clean end, before the end frame
                Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
                Assert.Equal(Outcome.Types.Status.Failed, call.ResponseStream.Current.Outcome.Status);
            }

            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest())).Status);
            await Run.Ok(pair.Push(url));
        }
    }

    [SmallFileSystemFact]
    public async Task Health_is_not_serving_while_the_disk_cannot_take_a_generation_and_after_one_filled_it()
    {
        using var pair = await SyncPair.CreateAsync();
        await using var small = await SmallFileSystem.TmpfsAsync(pair.Dir(""), 32 << 20);
        var (port, metricsPort) = (ServerProcess.FreePort(), ServerProcess.FreePort());
        await using var server = ServerProcess.Start("sync-inside",
        [
            "serve", "--listen", $"127.0.0.1:{port}", "--target", Path.Combine(small.Path, "target"), "--state", Path.Combine(small.Path, "state"),
            "--trust", pair.Key + ".pub", "--metrics-listen", $"127.0.0.1:{metricsPort}",
        ]);
        await server.WaitListeningAsync(port);
        var url = $"http://127.0.0.1:{port}";
        using var channel = Sync.Transport.Grpc.GrpcClient.Create(url, Sync.Transport.Grpc.TlsSettings.None);
        var health = new Health.HealthClient(channel);
        async Task<HealthCheckResponse.Types.ServingStatus> Status() => (await health.CheckAsync(new HealthCheckRequest())).Status;
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };

        TreeBuilder.Write(pair.Source, "pool/main/a/first.deb", TreeBuilder.RandomBytes(3_000_000, 1));
        await Run.Ok(pair.Push(url));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await Status());

        // Another writer of the disk leaves less free than the 3 MB the last generation took: the next may not fit.
        var other = small.Fill("other-writer.log", small.Space.AvailableBytes - (1 << 20));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, await Status());
        File.Delete(other);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await Status());

        // Then a generation that does not fit: the apply meets ENOSPC, and the inside says so until one works.
        other = small.Fill("other-writer.log", small.Space.AvailableBytes - (6 << 20));
        TreeBuilder.Write(pair.Source, "pool/main/b/large.deb", TreeBuilder.RandomBytes(12_000_000, 2));
        var full = await pair.Push(url);
        Assert.NotEqual(0, full.ExitCode);
        Assert.Contains("disk", full.Stderr);
        File.Delete(other);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, await Status());
        var down = PrometheusSamples.Parse(await http.GetStringAsync("/metrics"));
        Assert.Equal(1, down["sync_inside_refused_total{reason=\"disk-full\"}"]);
        Assert.Equal(1, down["sync_inside_last_apply_failed"]);

        await Run.Ok(pair.Push(url));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await Status());
        Assert.Equal(0, PrometheusSamples.Parse(await http.GetStringAsync("/metrics"))["sync_inside_last_apply_failed"]);
    }

    [Fact]
    public async Task Metrics_options_refuse_what_cannot_work_in_one_line()
    {
        using var pair = await SyncPair.CreateAsync();
        var missing = await pair.Import("--metrics-file", Path.Combine(pair.Dir("no-such-folder"), "sync.prom"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Single(missing.Stderr.Trim().Split('\n'));
        Assert.Contains("--metrics-file", missing.Stderr);
        Assert.False(Directory.Exists(pair.InsideState), "nothing may be touched before the options are checked");

        var once = await pair.Pull("http://127.0.0.1:1", "--metrics-listen", "127.0.0.1:9");
        Assert.Equal(2, once.ExitCode);
        Assert.Contains("--metrics-listen is for a pull that keeps running", once.Stderr);

        // A port something else holds: one line, exit 1, before the receiver does anything.
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        var taken = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;
        var receive = await Run.Inside("receive", "--udp", $"127.0.0.1:{ServerProcess.FreePort()}", "--target", pair.Target, "--state", pair.InsideState,
            "--trust", pair.Key + ".pub", "--metrics-listen", $"127.0.0.1:{taken}");
        Assert.Equal(1, receive.ExitCode);
        Assert.Single(receive.Stderr.Trim().Split('\n'));
        Assert.Contains($"--metrics-listen 127.0.0.1:{taken}", receive.Stderr);
        Assert.False(Directory.Exists(pair.InsideState), receive.ToString());
    }

    [Fact]
    public async Task A_diode_receiver_answers_scrapes_that_match_its_report()
    {
        await using var rig = await UdpLoopbackRig.CreateAsync();
        TreeBuilder.Write(rig.Source, "pool/main/a/a_1.deb", TreeBuilder.RandomBytes(2_000_000, 5));
        TreeBuilder.Write(rig.Source, "dists/stable/Release", "Suite: stable\n"u8.ToArray());
        var metricsPort = ServerProcess.FreePort();
        var receiver = await rig.StartReceiveAsync("--metrics-listen", $"127.0.0.1:{metricsPort}");
        await Run.Ok(rig.Send(rig.OutsideState));
        await receiver.WaitForOutputAsync("generation 1 published", seconds: 120);

        // Nothing arrives after the send: once two reports agree, the counters stand still, and a scrape between two
        // equal reports must say what they say.
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };
        PrometheusSamples samples;
        string report;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var seen = Reports(receiver.Output).Count;
            await receiver.WaitForOutputAsync("report:", seen + 1, seconds: 30);
            var before = Reports(receiver.Output)[^1];
            samples = PrometheusSamples.Parse(await http.GetStringAsync("/metrics"));
            await receiver.WaitForOutputAsync("report:", seen + 2, seconds: 30);
            report = Reports(receiver.Output)[^1];
            if (Counters(before) == Counters(report))
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the receiver's counters never stood still:\n{receiver.Output}");
        }

        var rx = Regex.Match(report, @"rx (\d+) pkts");
        var lost = Regex.Match(report, @"\((\d+) lost");
        var lag = Regex.Match(report, @"published generation (\d+), newest announced (\d+) \(lag (\d+)\)");
        Assert.True(rx.Success && lost.Success && lag.Success, report);
        Assert.Equal(double.Parse(rx.Groups[1].Value, CultureInfo.InvariantCulture), samples["sync_udp_datagrams_received_total"]);
        Assert.Equal(double.Parse(lost.Groups[1].Value, CultureInfo.InvariantCulture), samples["sync_udp_datagrams_lost_total"]);
        Assert.Equal(double.Parse(lag.Groups[1].Value, CultureInfo.InvariantCulture), samples["sync_inside_published_generation"]);
        Assert.Equal(double.Parse(lag.Groups[2].Value, CultureInfo.InvariantCulture), samples["sync_inside_newest_known_generation"]);
        Assert.Equal(double.Parse(lag.Groups[3].Value, CultureInfo.InvariantCulture), samples["sync_inside_generation_lag"]);
        // One session per part of the stream (2 MB: a first part of 1 MiB and the rest).
        var completed = Regex.Match(report, @"(\d+) completed");
        Assert.True(completed.Success, report);
        Assert.Equal(double.Parse(completed.Groups[1].Value, CultureInfo.InvariantCulture), samples["sync_udp_sessions_completed_total"]);
        Assert.Equal(2, samples["sync_udp_sessions_completed_total"]);
        Assert.True(samples["sync_udp_receive_buffer_bytes"] > 0);
        Assert.Equal("histogram", samples.Types["sync_udp_burst_length"]);
        Assert.Equal(1, samples["sync_inside_generations_published_total"]);
    }

    private static List<string> Reports(string output) =>
        [.. output.Split('\n').Where(l => l.StartsWith("report:", StringComparison.Ordinal))];

    /// <summary>The report without its rate, which falls to 0 a report after the last packet.</summary>
    private static string Counters(string report) => Regex.Replace(report, @" at [\d.]+ Mbit/s", string.Empty);
}
