using System.Text;
using System.Text.RegularExpressions;
using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests;

/// <summary>The gRPC carrier with the real executables over loopback: both directions, TLS, refusals, concurrency.</summary>
[Collection("grpc")]
public sealed class GrpcTests
{
    internal static void MakeTree(string root, int seed = 1)
    {
        TreeBuilder.Write(root, "pool/main/a/big.deb", TreeBuilder.RandomBytes(3_000_000, seed));
        TreeBuilder.Write(root, "dists/stable/main/binary-amd64/Packages",
            Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Range(0, 20_000).Select(i => $"Package: p{i}\nVersion: 1.{i}\n"))));
        TreeBuilder.Write(root, "dists/stable/Release", Encoding.UTF8.GetBytes("Suite: stable\n"));
        TreeBuilder.Write(root, "conf/distributions", Encoding.UTF8.GetBytes("Codename: stable\n"), (UnixFileMode)0x180);
        File.CreateSymbolicLink(Path.Combine(root, "dists/current"), "stable");
        Directory.CreateDirectory(Path.Combine(root, "db/empty"));
    }

    internal static void ChangeTree(string root)
    {
        var packages = Path.Combine(root, "dists/stable/main/binary-amd64/Packages");
        File.AppendAllText(packages, "Package: added\nVersion: 2\n");
        Directory.CreateDirectory(Path.Combine(root, "pool/main/b"));
        File.Move(Path.Combine(root, "pool/main/a/big.deb"), Path.Combine(root, "pool/main/b/moved.deb"));
        TreeBuilder.Write(root, "pool/main/c/new.deb", TreeBuilder.RandomBytes(200_000, 9));
        File.Delete(Path.Combine(root, "conf/distributions"));
    }

    [Theory]
    [InlineData("snapshot")]
    [InlineData("in-place")]
    public async Task Push_sends_full_then_only_the_change_then_nothing(string publish)
    {
        using var pair = await SyncPair.CreateAsync();
        pair.Publish = publish;
        MakeTree(pair.Source);
        var (server, url) = await pair.ServeInsideAsync();
        await using (server)
        {
            var first = await Run.Ok(pair.Push(url));
            Assert.Contains("generation 1 (full)", first.Stdout);
            Assert.Contains("published by the inside", first.Stdout);
            TreeAssert.Equal(pair.Source, pair.Target);

            ChangeTree(pair.Source);
            var second = await Run.Ok(pair.Push(url));
            Assert.Contains("generation 2 (delta from 1)", second.Stdout);
            var sent = BytesSent(second.Stdout);
            Assert.True(sent < 200_000 + 100_000, $"generation 2 sent {sent} bytes:\n{second}");
            TreeAssert.Equal(pair.Source, pair.Target);
            await Run.Ok(pair.Verify());

            var third = await Run.Ok(pair.Push(url));
            Assert.Contains("the inside is up to date", third.Stdout);

            // One log line per sync, with generation, bytes, duration and rate; SIGTERM stops the service cleanly.
            Assert.Equal(1, server.Occurrences("Published generation 1 from"));
            Assert.Matches(new Regex(@"Published generation 2 from \S+: \d+ bytes received in [\d.]+ s \([\d.]+ MiB/s\)"), server.Output);
            Assert.Equal(0, await server.StopAsync());
        }
    }

    [Fact]
    public async Task Max_rate_caps_what_a_push_sends_per_second()
    {
        using var pair = await SyncPair.CreateAsync();
        TreeBuilder.Write(pair.Source, "pool/main/r/rated.deb", TreeBuilder.RandomBytes(24_000_000, 3));
        var (server, url) = await pair.ServeInsideAsync();
        await using (server)
        {
            // 64 Mbit/s is 8 MB/s: 24 MB cannot take less than 3 s. A slow machine only makes it longer, so the
            // bound holds however busy the machine is; without the cap the push takes a fraction of a second.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var push = await Run.Ok(pair.Push(url, "--max-rate", "64M"));
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(2.7), $"24 MB at 64 Mbit/s took only {clock.Elapsed.TotalSeconds:F2} s");
            Assert.True(BytesSent(push.Stdout) >= 24_000_000);
            TreeAssert.Equal(pair.Source, pair.Target);
        }

        var refused = await Run.Outside(pair.PushArgs(url, "--max-rate", "fast"));
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--max-rate: 'fast' is not a rate", refused.Stderr);
    }

    [Fact]
    public async Task Pull_once_and_every_interval_from_an_outside_that_serves()
    {
        using var pair = await SyncPair.CreateAsync();
        MakeTree(pair.Source);
        var (server, url) = await pair.ServeOutsideAsync();
        await using (server)
        {
            var first = await Run.Ok(pair.Pull(url));
            Assert.Contains("generation 1 published", first.Stdout);
            TreeAssert.Equal(pair.Source, pair.Target);

            var again = await Run.Ok(pair.Pull(url));
            Assert.Contains("nothing newer", again.Stdout);

            await using var poller = ServerProcess.Start("sync-inside", pair.PullArgs(url, "--every", "1s"));
            ChangeTree(pair.Source);
            await poller.WaitForOutputAsync("Published generation 2 from");
            TreeAssert.Equal(pair.Source, pair.Target);
            Assert.Equal(0, await poller.StopAsync());
            Assert.Contains("Generation 2 published by", server.Output);
            Assert.Equal(0, await server.StopAsync());
        }

        await Run.Ok(pair.Verify());
    }

    [Fact]
    public async Task Mutual_tls_admits_clients_of_the_ca_and_refuses_the_rest()
    {
        using var pair = await SyncPair.CreateAsync();
        MakeTree(pair.Source);
        var certs = await TestCertificates.CreateAsync(pair.Dir("certs"));
        var (server, url) = await pair.ServeInsideAsync("--tls-cert", certs.ServerCert, "--tls-key", certs.ServerKey, "--client-ca", certs.Ca);
        await using (server)
        {
            var noClientCert = await pair.Push(url, "--tls-ca", certs.Ca);
            Assert.NotEqual(0, noClientCert.ExitCode);
            Assert.Single(noClientCert.Stderr.Trim().Split('\n'));

            var rogue = await pair.Push(url, "--tls-ca", certs.Ca, "--tls-cert", certs.RogueClientCert, "--tls-key", certs.RogueClientKey);
            Assert.NotEqual(0, rogue.ExitCode);

            // The client checks the server too: a CA that did not sign it, or a wrong pin, is refused.
            var wrongCa = await pair.Push(url, "--tls-ca", certs.RogueCa, "--tls-cert", certs.ClientCert, "--tls-key", certs.ClientKey);
            Assert.True(wrongCa.ExitCode == 3, wrongCa.ToString());
            Assert.Contains("TLS", wrongCa.Stderr);
            var wrongPin = await pair.Push(url, "--tls-pin", new string('a', 64), "--tls-cert", certs.ClientCert, "--tls-key", certs.ClientKey);
            Assert.True(wrongPin.ExitCode == 3, wrongPin.ToString());
            Assert.False(Path.Exists(pair.Target), "nothing may be published by a refused client");

            var signed = await Run.Ok(pair.Push(url, "--tls-ca", certs.Ca, "--tls-cert", certs.ClientCert, "--tls-key", certs.ClientKey));
            Assert.Contains("published by the inside", signed.Stdout);
            ChangeTree(pair.Source);
            var pinned = await Run.Ok(pair.Push(url, "--tls-pin", await certs.ServerPinAsync(), "--tls-cert", certs.ClientCert, "--tls-key", certs.ClientKey));
            Assert.Contains("generation 2", pinned.Stdout);
            TreeAssert.Equal(pair.Source, pair.Target);
            Assert.Contains("(mutual TLS)", server.Output);
        }
    }

    [Fact]
    public async Task Plain_text_is_refused_beyond_loopback_on_both_ends()
    {
        using var pair = await SyncPair.CreateAsync();
        var serve = await Run.Inside("serve", "--listen", "0.0.0.0:1", "--target", pair.Target, "--state", pair.InsideState, "--trust", pair.Key + ".pub");
        Assert.Equal(2, serve.ExitCode);
        Assert.Contains("plain-text HTTP/2 is only for loopback", serve.Stderr);

        var push = await pair.Push("http://198.18.0.1:1");
        Assert.Equal(2, push.ExitCode);
        Assert.Contains("plain-text HTTP/2 is only for loopback", push.Stderr);
    }

    [Fact]
    public async Task Refusals_reach_the_pusher_and_leave_the_inside_untouched()
    {
        using var pair = await SyncPair.CreateAsync();
        MakeTree(pair.Source);
        var stranger = pair.Dir("stranger");
        await Run.Ok(Run.Outside("keygen", "--key", stranger));
        var (server, url) = await pair.ServeInsideAsync();
        await using (server)
        {
            await Run.Ok(pair.Push(url));
            var before = TreeAssert.Describe(pair.Target);

            // Signed by a key the inside does not trust.
            ChangeTree(pair.Source);
            var untrusted = await Run.Outside("push", "--source", pair.Source, "--state", pair.Dir("stranger-state"), "--key", stranger, "--to", url, "--quiet");
            Assert.Equal(3, untrusted.ExitCode);
            Assert.Contains("the inside did not publish", untrusted.Stderr);
            Assert.Contains("trust", untrusted.Stderr);
            Assert.Single(untrusted.Stderr.Split('\n'), line => line.StartsWith("sync-outside: error:", StringComparison.Ordinal));
            Assert.Equal(before, TreeAssert.Describe(pair.Target));

            // The server keeps serving the trusted outside.
            await Run.Ok(pair.Push(url));
            TreeAssert.Equal(pair.Source, pair.Target);
        }
    }

    [Fact]
    public async Task Two_pushers_at_once_one_proceeds_the_other_is_told_the_inside_is_busy()
    {
        using var pair = await SyncPair.CreateAsync();
        MakeTree(pair.Source);
        var (server, url) = await pair.ServeInsideAsync();
        await using (server)
        {
            // The first outside has said hello and heard what the inside holds: the inside is now its until it ends.
            using (var channel = Sync.Transport.Grpc.GrpcClient.Create(url, Sync.Transport.Grpc.TlsSettings.None))
            {
                using var first = new Sync.Protocol.V1.InsideEndpoint.InsideEndpointClient(channel).Push();
                await first.RequestStream.WriteAsync(new Sync.Protocol.V1.OutsideMessage { Hello = new Sync.Protocol.V1.Hello { ProtocolVersion = 1 } });
                Assert.True(await first.ResponseStream.MoveNext(CancellationToken.None));
                Assert.Equal(Sync.Protocol.V1.InsideMessage.BodyOneofCase.Holdings, first.ResponseStream.Current.BodyCase);

                var second = await pair.Push(url);
                Assert.True(second.ExitCode == 6, second.ToString());
                Assert.Contains("busy", second.Stderr);
                Assert.Contains("try again", second.Stderr);
                Assert.Single(second.Stderr.Trim().Split('\n'));
                Assert.False(Path.Exists(pair.Target));
            }

            // Once the first is gone the inside is free again.
            await server.WaitForOutputAsync("cut after");
            await Run.Ok(pair.Push(url));
            TreeAssert.Equal(pair.Source, pair.Target);
            Assert.Equal(1, server.Occurrences("Published generation"));
        }
    }

    [Fact]
    public async Task An_outside_that_stalls_after_hello_is_given_up_after_the_idle_timeout()
    {
        using var pair = await SyncPair.CreateAsync();
        MakeTree(pair.Source);
        var (server, url) = await pair.ServeInsideAsync("--idle-timeout", "2s");
        await using (server)
        {
            using var channel = Sync.Transport.Grpc.GrpcClient.Create(url, Sync.Transport.Grpc.TlsSettings.None);
            using var stalled = new Sync.Protocol.V1.InsideEndpoint.InsideEndpointClient(channel).Push();
            await stalled.RequestStream.WriteAsync(new Sync.Protocol.V1.OutsideMessage { Hello = new Sync.Protocol.V1.Hello { ProtocolVersion = 1 } });
            Assert.True(await stalled.ResponseStream.MoveNext(CancellationToken.None)); // holdings: the inside is held

            // Silent beyond the timeout, it is answered with a failure and the inside is free again.
            while (await stalled.ResponseStream.MoveNext(CancellationToken.None))
            {
                if (stalled.ResponseStream.Current.BodyCase == Sync.Protocol.V1.InsideMessage.BodyOneofCase.Outcome)
                {
                    Assert.Contains("sent nothing for 2 s", stalled.ResponseStream.Current.Outcome.Message);
                    break;
                }
            }

            await Run.Ok(pair.Push(url));
            TreeAssert.Equal(pair.Source, pair.Target);
        }
    }

    [Fact]
    public async Task Standard_health_checking_is_served()
    {
        using var pair = await SyncPair.CreateAsync();
        var (server, url) = await pair.ServeInsideAsync();
        await using (server)
        {
            using var channel = Sync.Transport.Grpc.GrpcClient.Create(url, Sync.Transport.Grpc.TlsSettings.None);
            var health = new Grpc.Health.V1.Health.HealthClient(channel);
            var reply = await health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest());
            Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
        }
    }

    internal static long BytesSent(string stdout) => long.Parse(Regex.Match(stdout, @"(\d+) bytes sent").Groups[1].Value);

    /// <summary>Waits until the inside has staged at least <paramref name="bytes"/> bytes of the generation being received.</summary>
    internal static async Task WaitForStagedBytesAsync(SyncPair pair, long bytes, Task<ProcessResult> pusher)
    {
        var objects = Path.Combine(pair.InsideState, "staging", "incoming", "objects");
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (StagedBytes(objects) < bytes)
        {
            Assert.True(DateTime.UtcNow < deadline, "the transfer did not progress");
            if (pusher.IsCompleted)
            {
                Assert.Fail($"push finished before {bytes} bytes were staged: {await pusher}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Bytes actually written in the staged objects (allocated blocks: preallocated files are not counted whole).</summary>
    private static long StagedBytes(string objects)
    {
        try
        {
            return Directory.Exists(objects)
                ? Directory.EnumerateFiles(objects).Sum(f => new FileInfo(f).Length > 0 ? WrittenBytes(f) : 0)
                : 0;
        }
        catch (IOException)
        {
            return 0; // a file vanished while we looked
        }
    }

    private static long WrittenBytes(string path)
    {
        // Objects are preallocated, so neither their length nor their blocks say how much arrived. The receiver writes
        // sequentially and test data is random, so count the prefix that is not zero, to within 1 MiB. (The file is
        // open for writing under an exclusive lock; the test project turns .NET's advisory file locking off.)
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var buffer = new byte[16];
        long low = 0, high = stream.Length;
        stream.Position = Math.Max(0, high - buffer.Length);
        if (stream.Read(buffer) > 0 && buffer.AsSpan().ContainsAnyExcept((byte)0))
        {
            return high; // written to its end
        }

        while (high - low > 1 << 20)
        {
            var mid = low + (high - low) / 2;
            stream.Position = mid;
            var read = stream.Read(buffer);
            if (read > 0 && buffer.AsSpan(0, read).ContainsAnyExcept((byte)0))
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }
}
