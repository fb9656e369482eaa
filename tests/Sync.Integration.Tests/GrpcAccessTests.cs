using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests;

/// <summary>
/// Who may sync over gRPC, with the real executables: no anonymous server off loopback unless asked for (and then
/// a warning at every start), client and server certificates checked for their extended key usage, and an
/// allow-list of client certificate subjects.
/// </summary>
[Collection("grpc")]
public sealed class GrpcAccessTests
{
    [Fact]
    public async Task A_server_off_loopback_without_client_certificates_refuses_to_start()
    {
        using var pair = await SyncPair.CreateAsync();
        var certs = await TestCertificates.CreateAsync(pair.Dir("certs"));
        // A documentation address (TEST-NET-1) no host has: should the check ever go, binding fails instead of exposing a server.
        string[] tls = ["--listen", "192.0.2.1:1", "--tls-cert", certs.ServerCert, "--tls-key", certs.ServerKey];
        string[] inside = ["serve", "--target", pair.Target, "--state", pair.InsideState, "--trust", pair.Key + ".pub"];
        string[] outside = ["serve", "--source", pair.Source, "--state", pair.OutsideState, "--key", pair.Key];

        foreach (var (agent, args) in new[] { ("sync-inside", inside), ("sync-outside", outside) })
        {
            var refused = await Run.Agent(agent, [.. args, .. tls]);
            Assert.True(refused.ExitCode == 2, refused.ToString());
            var line = Assert.Single(refused.Stderr.Trim().Split('\n'));
            Assert.StartsWith($"{agent}: error: serving 192.0.2.1:1 without --client-ca admits anyone", line);
            Assert.Contains("--allow-anonymous", line);

            // Options that contradict each other, or need client certificates that are not asked for.
            var both = await Run.Agent(agent, [.. args, .. tls, "--client-ca", certs.Ca, "--allow-anonymous"]);
            Assert.True(both.ExitCode == 2, both.ToString());
            Assert.Contains("--allow-anonymous contradicts --client-ca", both.Stderr);
            var subjectsWithoutCa = await Run.Agent(agent, [.. args, "--listen", "127.0.0.1:1", "--allow-subject", "CN=outside.test"]);
            Assert.True(subjectsWithoutCa.ExitCode == 2, subjectsWithoutCa.ToString());
            Assert.Contains("--allow-subject needs --client-ca", subjectsWithoutCa.Stderr);
        }
    }

    [NetnsFact]
    public async Task Allow_anonymous_serves_off_loopback_and_warns_at_every_start()
    {
        using var pair = await SyncPair.CreateAsync();
        GrpcTests.MakeTree(pair.Source);
        var certs = await TestCertificates.CreateAsync(pair.Dir("certs"));
        var pin = await certs.ServerPinAsync();
        await using var ns = await IsolatedNamespace.CreateAsync();
        string[] tls = ["--tls-cert", certs.ServerCert, "--tls-key", certs.ServerKey, "--allow-anonymous"];
        const string Warning = "WRN Anyone who can reach 0.0.0.0:7443 may connect without a client certificate (--allow-anonymous)";

        for (var start = 1; start <= 2; start++)
        {
            await using var server = ServerProcess.StartIn(
                ns.Name, "sync-inside", ["serve", "--listen", "0.0.0.0:7443", "--target", pair.Target, "--state", pair.InsideState, "--trust", pair.Key + ".pub", .. tls]);
            await server.WaitForOutputAsync("Serving ");
            Assert.Equal(1, server.Occurrences(Warning));
            Assert.Contains("(TLS, any client)", server.Output);
            if (start == 1)
            {
                var push = await ns.AgentAsync("sync-outside", pair.PushArgs($"https://{IsolatedNamespace.Address}:7443", "--tls-pin", pin));
                Assert.True(push.ExitCode == 0, push.ToString());
            }

            Assert.Equal(0, await server.StopAsync());
        }

        TreeAssert.Equal(pair.Source, pair.Target);

        // The outside's serve is held to the same rule.
        GrpcTests.ChangeTree(pair.Source);
        await using (var outside = ServerProcess.StartIn(
            ns.Name, "sync-outside", ["serve", "--listen", "0.0.0.0:7443", "--source", pair.Source, "--state", pair.OutsideState, "--key", pair.Key, .. tls]))
        {
            await outside.WaitForOutputAsync("Serving ");
            Assert.Equal(1, outside.Occurrences(Warning));
            var pull = await ns.AgentAsync("sync-inside", [.. pair.PullArgs($"https://{IsolatedNamespace.Address}:7443", "--tls-pin", pin), "--quiet"]);
            Assert.True(pull.ExitCode == 0, pull.ToString());
            Assert.Equal(0, await outside.StopAsync());
        }

        TreeAssert.Equal(pair.Source, pair.Target);
    }

    [Fact]
    public async Task Certificates_without_the_right_extended_key_usage_are_refused()
    {
        using var pair = await SyncPair.CreateAsync();
        GrpcTests.MakeTree(pair.Source);
        var certs = await TestCertificates.CreateAsync(pair.Dir("certs"));
        var noUsage = await certs.IssueAsync("no-eku", "/CN=no-usage.test", "basicConstraints=CA:FALSE");
        var serverUsage = await certs.IssueAsync("server-eku", "/CN=server-usage.test", "extendedKeyUsage=serverAuth");
        var (server, url) = await pair.ServeInsideAsync("--tls-cert", certs.ServerCert, "--tls-key", certs.ServerKey, "--client-ca", certs.Ca);
        await using (server)
        {
            // Issued by the CA, but not for client authentication.
            foreach (var (cert, key, subject) in new[] { (noUsage.Cert, noUsage.Key, "CN=no-usage.test"), (serverUsage.Cert, serverUsage.Key, "CN=server-usage.test") })
            {
                var refused = await pair.Push(url, "--tls-ca", certs.Ca, "--tls-cert", cert, "--tls-key", key);
                Assert.True(refused.ExitCode == 3, refused.ToString());
                var line = Assert.Single(refused.Stderr.Trim().Split('\n'));
                Assert.True(line.Contains("refused this client's certificate", StringComparison.Ordinal), refused.ToString());
                await server.WaitForOutputAsync($"Refused a client certificate ({subject}): it lacks the clientAuth extended key usage");
            }

            Assert.False(Path.Exists(pair.Target), "nothing may be published by a refused client");
            await Run.Ok(pair.Push(url, "--tls-ca", certs.Ca, "--tls-cert", certs.ClientCert, "--tls-key", certs.ClientKey));
        }

        // A server certificate the CA issued without saying what for: refused by a client that checks the CA, accepted
        // by one that pinned exactly that certificate.
        var clientOnly = await certs.IssueAsync("server-without-serverauth", "/CN=inside.test", "subjectAltName=IP:127.0.0.1");
        GrpcTests.ChangeTree(pair.Source);
        var (misissued, url2) = await pair.ServeInsideAsync("--tls-cert", clientOnly.Cert, "--tls-key", clientOnly.Key, "--client-ca", certs.Ca);
        await using (misissued)
        {
            await misissued.WaitForOutputAsync("WRN The server certificate (CN=inside.test) lacks the serverAuth extended key usage");
            var refused = await pair.Push(url2, "--tls-ca", certs.Ca, "--tls-cert", certs.ClientCert, "--tls-key", certs.ClientKey);
            Assert.True(refused.ExitCode == 3, refused.ToString());
            Assert.Contains("lacks the serverAuth extended key usage", refused.Stderr);
            Assert.Single(refused.Stderr.Trim().Split('\n'));
            var pinned = await pair.Push(url2, "--tls-pin", await TestCertificates.PinOfAsync(clientOnly.Cert), "--tls-cert", certs.ClientCert, "--tls-key", certs.ClientKey);
            Assert.True(pinned.ExitCode == 0, pinned.ToString());
        }

        // A server certificate issued for other purposes only is refused at start, in one line.
        var wrongUsage = await certs.IssueAsync("server-for-clients", "/CN=inside.test", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=clientAuth");
        var wrong = await Run.Inside("serve", "--listen", "127.0.0.1:1", "--target", pair.Target, "--state", pair.InsideState, "--trust", pair.Key + ".pub",
            "--tls-cert", wrongUsage.Cert, "--tls-key", wrongUsage.Key, "--client-ca", certs.Ca);
        Assert.True(wrong.ExitCode == 2, wrong.ToString());
        Assert.Contains("lacks the serverAuth extended key usage", Assert.Single(wrong.Stderr.Trim().Split('\n')));

        // The outside's serve checks its pullers the same way.
        var (outside, url3) = await pair.ServeOutsideAsync("--tls-cert", certs.ServerCert, "--tls-key", certs.ServerKey, "--client-ca", certs.Ca);
        await using (outside)
        {
            var refused = await pair.Pull(url3, "--tls-ca", certs.Ca, "--tls-cert", noUsage.Cert, "--tls-key", noUsage.Key);
            Assert.True(refused.ExitCode == 3, refused.ToString());
            Assert.Contains("refused this client's certificate", Assert.Single(refused.Stderr.Trim().Split('\n')));
            await outside.WaitForOutputAsync("Refused a client certificate (CN=no-usage.test): it lacks the clientAuth extended key usage");
        }

        TreeAssert.Equal(pair.Source, pair.Target);
    }

    [Fact]
    public async Task Only_allowed_subjects_may_sync()
    {
        using var pair = await SyncPair.CreateAsync();
        GrpcTests.MakeTree(pair.Source);
        var certs = await TestCertificates.CreateAsync(pair.Dir("certs"));
        var other = await certs.IssueAsync("other", "/O=Ops/CN=other.test", "extendedKeyUsage=clientAuth");
        string[] mtls = ["--tls-cert", certs.ServerCert, "--tls-key", certs.ServerKey, "--client-ca", certs.Ca];
        string[] asOther = ["--tls-ca", certs.Ca, "--tls-cert", other.Cert, "--tls-key", other.Key];
        string[] asOutside = ["--tls-ca", certs.Ca, "--tls-cert", certs.ClientCert, "--tls-key", certs.ClientKey];

        var (server, url) = await pair.ServeInsideAsync([.. mtls, "--allow-subject", "CN=outside.test"]);
        await using (server)
        {
            await server.WaitForOutputAsync("(mutual TLS, 1 allowed subject(s))");
            var refused = await pair.Push(url, asOther);
            Assert.True(refused.ExitCode == 3, refused.ToString());
            var line = Assert.Single(refused.Stderr.Trim().Split('\n'));
            Assert.Contains("does not let this client sync", line);
            Assert.Contains("CN=other.test, O=Ops is not allowed", line);
            await server.WaitForOutputAsync("its certificate's subject CN=other.test, O=Ops is not allowed (--allow-subject)");
            Assert.Equal(1, server.Occurrences("is not allowed (--allow-subject)"));
            Assert.False(Path.Exists(pair.Target));

            await Run.Ok(pair.Push(url, asOutside));
        }

        // From a file, written the way openssl prints subjects (RFC 2253: most specific first, no spaces).
        var subject = (await Run.Ok(Run.Process("openssl", ["x509", "-in", other.Cert, "-noout", "-subject", "-nameopt", "RFC2253"]))).Stdout.Trim();
        Assert.Equal("subject=CN=other.test,O=Ops", subject);
        var file = pair.Dir("allowed-subjects");
        await File.WriteAllTextAsync(file, $"# who may push\n{subject["subject=".Length..]}   # the ops outside\n\n");
        GrpcTests.ChangeTree(pair.Source);
        var (server2, url2) = await pair.ServeInsideAsync([.. mtls, "--allow-subject-file", file]);
        await using (server2)
        {
            var refused = await pair.Push(url2, asOutside);
            Assert.True(refused.ExitCode == 3, refused.ToString());
            Assert.Contains("CN=outside.test is not allowed", refused.Stderr);
            await Run.Ok(pair.Push(url2, asOther));
        }

        TreeAssert.Equal(pair.Source, pair.Target);

        // The outside's serve, and a subject that is not a distinguished name.
        var (outside, url3) = await pair.ServeOutsideAsync([.. mtls, "--allow-subject", "CN=someone.else"]);
        await using (outside)
        {
            var refused = await pair.Pull(url3, asOutside);
            Assert.True(refused.ExitCode == 3, refused.ToString());
            Assert.Contains("CN=outside.test is not allowed", refused.Stderr);
            await outside.WaitForOutputAsync("its certificate's subject CN=outside.test is not allowed (--allow-subject)");
        }

        var bad = await Run.Inside(["serve", "--listen", "127.0.0.1:1", "--target", pair.Target, "--state", pair.InsideState, "--trust", pair.Key + ".pub", .. mtls, "--allow-subject", "outside-1"]);
        Assert.True(bad.ExitCode == 2, bad.ToString());
        Assert.Contains("--allow-subject: 'outside-1' is not a distinguished name", bad.Stderr);
    }
}
