using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Sync.Core;
using Sync.Core.Apply;
using Sync.Core.Export;
using Sync.Core.Trust;
using Sync.Hosting;
using Sync.Outside.Status;
using Sync.Transport.FileDrop;

namespace Sync.Outside;

/// <summary>The `sync-outside` command line: keygen, export (file drop) and scan; the gRPC and UDP carriers' commands are in their own files. Each command runs in the generic host.</summary>
internal static class OutsideCommands
{
    private const string Agent = OutsideAgent.Name;

    public static Task<int> RunAsync(string[] args) => CommandLine.InvokeAsync(
        Agent,
        "sync-outside: scans a repository tree and exports signed generations for the inside agent.",
        [
            Keygen(), Export(), Scan(), Status(), GrpcCommands.Push(), GrpcCommands.Serve(),
            UdpCommands.Send(), UdpCommands.Carousel(), UdpCommands.FecPlan(),
        ],
        args);

    private static Command Keygen()
    {
        var key = new Option<string>("--key") { Description = "Private key file to write (PKCS#8 PEM, mode 0600); the public key goes to FILE.pub (mode 0644).", Required = true };
        var force = new Option<bool>("--force") { Description = "Replace an existing key pair (the inside must then trust the new FILE.pub)." };
        var command = new Command("keygen", "Write a new signing key pair (ECDSA P-256). Refuses to overwrite unless --force.") { key, force };
        command.SetAction((result, ct) => CommandRunner.RunAsync(Agent, _ =>
        {
            var path = result.GetValue(key)!;
            SigningKey.Generate(path, result.GetValue(force));
            using var loaded = SigningKey.Load(path);
            Console.WriteLine($"wrote {path} (private, mode 0600) and {path}.pub (public, mode 0644; key id {KeyId.ToHex(loaded.KeyId)})");
            return Task.FromResult(0);
        }, ct));
        return command;
    }

    private static Command Scan()
    {
        var source = new Option<string>("--source") { Description = "The source tree.", Required = true };
        var state = new Option<string>("--state") { Description = "The outside's state directory.", Required = true };
        var verify = new Option<bool>("--verify") { Description = "Re-hash every source file instead of trusting size/mtime/inode." };
        var quiet = StandardOptions.Quiet();
        var verbose = StandardOptions.Verbose();
        var command = new Command("scan", "Scan the source (refreshing the cache) and say what changed since the last export, without exporting.")
        {
            source, state, verify, quiet, verbose,
        };
        command.SetAction((result, ct) => CommandRunner.RunAsync(Agent, async token =>
        {
            using var host = AgentHost.BuildWithWireCodec(Agent, result.GetValue(verbose));
            await host.StartAsync(token);
            var started = host.Time().GetTimestamp();
            var s = await ProgressDisplay.ShowWhileAsync(result.GetValue(quiet), host.Time(), progress => Publishing.Publisher(host).ScanAsync(
                result.GetValue(source)!, result.GetValue(state)!, new ExportOptions { Verify = result.GetValue(verify) }, progress, token));

            var seconds = host.Time().GetElapsedTime(started).TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"since generation {s.Generation}: files {s.FilesNew} new, {s.FilesChanged} changed, {s.FilesRemoved} removed; " +
                $"{s.FilesHashed} files read ({s.BytesHashed} bytes) in {seconds:F2} s ({Units.Bytes((long)(s.BytesHashed / Math.Max(seconds, 1e-6)))}/s)"));
            await host.StopAsync(CancellationToken.None);
            return 0;
        }, ct));
        return command;
    }

    private static Command Export()
    {
        var common = new SourceOptions("The outside's state directory (what was exported, scan cache).", "Export a full generation that needs nothing on the inside.");
        var drop = new Option<string>("--drop") { Description = "Folder to write the bundle into.", Required = true };
        var volume = new Option<string>("--volume-size")
        {
            Description = "Largest bundle part: a medium (cd, dvd, dvd-dl, bd25, bd50, bd100: its capacity less 16 MiB), decimal 4.7GB/650MB " +
                "(powers of ten), binary 4GiB/650MiB (powers of two; bare 4G, 650M are binary too), at least 64KiB (default 4G = 4 GiB).",
            DefaultValueFactory = _ => "4G",
        };
        var keepBundles = new Option<int>("--keep-bundles")
        {
            Description = "After writing a bundle, remove those of generations older than the newest N in the drop folder (default 0: remove none). " +
                "Nothing tells the outside what an inside applied: an inside more than N generations behind then needs --full.",
            DefaultValueFactory = _ => 0,
        };
        var command = new Command("export", "Scan the source as the next generation and write the bundle that takes the inside there.") { drop, volume, keepBundles };
        common.AddTo(command);
        var metrics = new MetricsOptions();
        metrics.AddFileTo(command);
        command.SetAction((result, ct) => CommandRunner.RunAsync(Agent, token => metrics.RunWithFileAsync(Agent, result, async () =>
        {
            long volumeSize = OptionValue.Parse("--volume-size", result.GetValue(volume)!, text => VolumeSize.Parse(text, BundleWriter.MinimumVolumeSize));

            if (result.GetValue(keepBundles) < 0)
            {
                throw SyncException.Usage("--keep-bundles must be 0 (keep all) or more");
            }

            var dropDir = DropFolder.RequireExisting(result.GetValue(drop)!);

            using var host = AgentHost.BuildWithWireCodec(Agent, result.GetValue(common.Verbose));
            await host.StartAsync(token);
            using var signingKey = SigningKey.Load(result.GetValue(common.Key)!);
            var outcome = await Publishing.WithProgressAsync(result.GetValue(common.Quiet), host.Time(), (progress, lines) => Publishing.Publisher(host).PublishAsync(
                common.Generation(result, signingKey),
                new BundleCarrier(dropDir, signingKey, volumeSize, result.GetValue(keepBundles)),
                lines,
                progress,
                token));
            await host.StopAsync(CancellationToken.None);
            return Publishing.Finish(outcome);
        }), ct));
        return command;
    }

    private static Command Status() => StatusCommand.Create(
        Agent,
        "Print what the outside sent last, over which carrier and when, and what it waits for.",
        "The outside's state directory.",
        OutsideStatusReader.Read,
        new StatusJson(StatusCommand.CreateJsonOptions()).OutsideStatusDocument,
        OutsideStatusText.Write);
}
