using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Sync.Core;
using Sync.Core.Apply;
using Sync.Core.FileSystem;
using Sync.Core.Manifests;
using Sync.Core.Trust;
using Sync.Core.Verification;
using Sync.Engine.Inside;
using Sync.Hosting;
using Sync.Inside.Status;
using Sync.Transport.FileDrop;

namespace Sync.Inside;

/// <summary>The `sync-inside` command line: import (file drop), verify and status. Each command runs in the generic host.</summary>
internal static class InsideCommands
{
    private const string Agent = InsideAgent.Name;

    public static Task<int> RunAsync(string[] args) => CommandLine.InvokeAsync(
        Agent,
        "sync-inside: verifies and applies signed generations from the outside agent, publishing each atomically.",
        [Import(), Verify(), Status(), RepairCommand.Create(), GrpcCommands.Serve(), GrpcCommands.Pull(), UdpCommands.Receive()],
        args);

    private static Command Import()
    {
        var drop = new Option<string>("--drop") { Description = "Folder holding bundles (index + parts).", Required = true };
        var target = TargetOption.Create();
        var state = StateOption.Create();
        var trust = TrustOption.Create();
        var publish = PublishOption.Create();
        var keep = KeepOption.Create();
        var apply = new ApplyOptions();
        var metrics = new MetricsOptions();
        var applied = new Option<string>("--applied")
        {
            Description = "What to do with a bundle once its generation is published: keep (default), delete, or move:DIR (an existing folder).",
            DefaultValueFactory = _ => "keep",
        };
        var refused = new Option<string>("--refused")
        {
            Description = "What to do with a bundle that can never apply here (older than what is published, untrusted, damaged): keep (default: refused again by every import) or move:DIR (an existing folder, a quarantine).",
            DefaultValueFactory = _ => "keep",
        };
        var quiet = StandardOptions.Quiet();
        var verbose = StandardOptions.Verbose();
        var command = new Command("import", "Apply every complete bundle in the drop folder, in generation order.")
        {
            drop, target, state, trust, publish, keep, applied, refused, quiet, verbose,
        };
        apply.AddTo(command);
        metrics.AddFileTo(command);
        command.SetAction((result, ct) => CommandRunner.RunAsync(Agent, token => metrics.RunWithFileAsync(Agent, result, async () =>
        {
            var keepCount = KeepOption.Read(result, keep);
            var dropDir = DropFolder.RequireExisting(result.GetValue(drop)!);

            var settleApplied = BundleSettlement.ParseApplied(result.GetValue(applied)!, dropDir);
            var settleRefused = BundleSettlement.ParseRefused(result.GetValue(refused)!, dropDir);
            using var host = AgentHost.BuildWithWireCodec(Agent, result.GetValue(verbose));
            await host.StartAsync(token);
            var time = host.Time();
            using var trustStore = TrustStore.Load(result.GetValue(trust)!);
            using var inside = InsideState.OpenForWrite(result.GetValue(state)!);
            var mode = PublishOption.Mode(result, publish);
            var intake = new GenerationIntake(
                host.WireCodec(), trustStore, inside,
                new IntakeTarget(result.GetValue(target)!, mode, keepCount) { Settings = apply.Read(result) },
                host.Logger<GenerationIntake>(), time);
            var before = inside.Published.Generation; // a publish a crash interrupted, finished by PrepareAsync, counts as this run's
            await intake.PrepareAsync(token);
            var candidates = BundleCandidate.List(dropDir, trustStore, settleApplied, settleRefused);
            if (candidates.Count == 0 && inside.Published.Generation == 0)
            {
                // An unmounted medium is an empty folder: on an inside that has nothing yet, that must not look like success.
                throw SyncException.MissingBase(
                    $"drop folder '{dropDir}' holds no bundle and nothing was ever imported here: is the medium mounted? (a bundle's index is written last)");
            }

            var round = await ProgressDisplay.ShowWhileAsync(
                result.GetValue(quiet), host.Time(), progress => intake.ApplyInOrderAsync(candidates, IntakeMode.OneShot, progress, token));

            foreach (var line in round.Refused.Concat(round.Pending))
            {
                CommandRunner.Fail(Agent, line);
            }

            if (round.Overwritten.Count > 0)
            {
                Console.WriteLine($"overwrote {round.Overwritten.Count} local change(s): {string.Join(", ", round.Overwritten)}");
            }

            var now = inside.Published.Generation;
            Console.WriteLine(now == before
                ? $"generation {now} published; no new generation applied"
                : string.Create(CultureInfo.InvariantCulture,
                    $"generation {now} published (was {before}), signed by key {inside.Published.SignedBy}; {round.Applied.Count} bundle(s) applied, {round.BytesReceived} content bytes received"));
            if (round.Refused.Count > 0)
            {
                // stdout, so that each refusal stays one line on stderr.
                Console.WriteLine(settleRefused.MoveTo is { } quarantine
                    ? $"{round.Refused.Count} refused bundle(s) moved to {quarantine}"
                    : $"{round.Refused.Count} refused bundle(s) stay in the drop folder and are refused again by every import: remove them, or import with --refused move:DIR");
            }

            await host.StopAsync(CancellationToken.None);
            return round.ExitCode;
        }), ct));
        return command;
    }

    /// <summary>Publishing as given what a root-owned tree should never hold is the operator's choice, never the default.</summary>
    internal static Option<bool> KeepSpecialModesOption() => new("--keep-special-modes")
    {
        Description = "Publish setuid/setgid/sticky bits and write-for-others as the manifest gives them (default: stripped; an APT repository needs none).",
    };

    private static Command Verify()
    {
        var target = new Option<string>("--target") { Description = "The published tree.", Required = true };
        var state = StateOption.Create();
        var quiet = StandardOptions.Quiet();
        var verbose = StandardOptions.Verbose();
        var command = new Command("verify", "Re-hash the published tree against the manifest of its generation.") { target, state, quiet, verbose };
        command.SetAction((result, ct) => CommandRunner.RunAsync(Agent, async token =>
        {
            using var host = AgentHost.BuildWithWireCodec(Agent, result.GetValue(verbose));
            using var inside = InsideState.OpenReadOnly(result.GetValue(state)!);
            var manifest = inside.ParsePublishedManifest(host.WireCodec(), ManifestLimits.Base) ?? throw SyncException.Usage("nothing is published yet");
            var root = result.GetValue(target)!;
            if (LinuxFileSystem.Instance.TryStatPath(root) is null)
            {
                throw SyncException.Usage($"target '{root}' does not exist");
            }

            using var tree = PublishLayout.OpenPublished(inside, root)
                ?? throw new SyncException(SyncErrorKind.Failure, $"the published tree of generation {inside.Published.Generation} is gone; restore it, or import a full bundle into a new state directory");
            var problems = await ProgressDisplay.ShowWhileAsync(result.GetValue(quiet), host.Time(), progress =>
                TreeVerifier.VerifyAsync(tree, manifest, inside.Published.EffectivePolicy, progress, token, inside.Published.SharedRoots));

            foreach (var problem in problems)
            {
                Console.WriteLine(problem);
            }

            // Remembered, so the next import checks every file before reusing it, and status tells.
            inside.WriteVerifyRecord(new VerifyRecord(
                inside.Published.Generation, inside.Published.ManifestDigest, host.Time().GetUtcNow(), problems.Count, problems.Take(20).ToList()));
            if (problems.Count > 0)
            {
                CommandRunner.Fail(Agent, $"{problems.Count} difference(s) from generation {manifest.Generation}; 'sync-inside repair' puts them right from intact copies, or says what it needs");
                return (int)SyncErrorKind.Failure;
            }

            Console.WriteLine($"generation {manifest.Generation}: {manifest.Entries.Count} entries, {manifest.TotalFileBytes} bytes verified");
            return 0;
        }, ct));
        return command;
    }

    private static Command Status() => StatusCommand.Create(
        Agent,
        "Print the published generation, when, what is pending or refused, and how long its Release files are valid.",
        "The inside's state directory.",
        directory =>
        {
            using var inside = InsideState.OpenReadOnly(directory);
            return InsideStatusReader.Read(inside, AgentHost.Clock);
        },
        new StatusJson(StatusCommand.CreateJsonOptions()).InsideStatusDocument,
        InsideStatusText.Write);
}
