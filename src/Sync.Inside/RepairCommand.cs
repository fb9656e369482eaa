using System.CommandLine;
using Sync.Core;
using Sync.Core.Apply;
using Sync.Hosting;

namespace Sync.Inside;

/// <summary>`sync-inside repair`: puts the published generation back as its manifest says, from intact local copies.</summary>
internal static class RepairCommand
{
    private const string Agent = InsideAgent.Name;

    public static Command Create()
    {
        var target = new Option<string>("--target") { Description = "Where readers look (the target the state publishes to).", Required = true };
        var state = StateOption.Create();
        var keep = KeepOption.Create();
        var quiet = StandardOptions.Quiet();
        var verbose = StandardOptions.Verbose();
        var command = new Command(
            "repair",
            "Re-check every published file; replace each that no longer matches its manifest from an intact copy, or say which contents are needed.")
        {
            target, state, keep, quiet, verbose,
        };
        command.SetAction((result, ct) => CommandRunner.RunAsync(Agent, async token =>
        {
            using var host = AgentHost.BuildWithWireCodec(Agent, result.GetValue(verbose));
            using var inside = InsideState.OpenForWrite(result.GetValue(state)!);
            // The published generation says how it was published; a repair publishes it again the same way.
            var mode = inside.Published.Mode;
            var policy = inside.Published.EffectivePolicy;
            var repairer = new Repairer(host.WireCodec(), host.Logger<Repairer>(), host.Time());
            var outcome = await ProgressDisplay.ShowWhileAsync(result.GetValue(quiet), host.Time(), progress =>
                repairer.RepairAsync(inside, result.GetValue(target)!, mode, policy, Math.Max(1, result.GetValue(keep)), progress, token));

            if (outcome.Missing.Count > 0)
            {
                foreach (var path in outcome.Missing)
                {
                    Console.WriteLine($"needs content: {path}");
                }

                CommandRunner.Fail(Agent,
                    $"generation {outcome.Generation}: {outcome.Missing.Count} damaged file(s) whose content the inside holds intact nowhere; nothing was changed. " +
                    "Import a full bundle (sync-outside export --full): an import after a failed verify re-checks every file it reuses");
                return (int)SyncErrorKind.MissingBase;
            }

            Console.WriteLine(outcome.Damaged.Count == 0
                ? $"generation {outcome.Generation}: every file matches its manifest; nothing to repair"
                : $"generation {outcome.Generation}: {outcome.Damaged.Count} damaged file(s) replaced from intact copies and published again");
            return 0;
        }, ct));
        return command;
    }
}
