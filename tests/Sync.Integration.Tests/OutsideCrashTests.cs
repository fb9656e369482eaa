using System.Text.RegularExpressions;
using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests;

/// <summary>
/// Kills `sync-outside export` at every durable step of an export (and at random instants) while a diode's transfer
/// service empties the drop folder after every run, as a file-transfer folder does. Whatever instant it died at, no
/// generation number is ever used by two bundles, the inside never refuses what it receives, and the next runs take
/// it to the source tree with plain deltas: nobody needs `--full`.
/// </summary>
[Collection("apt")]
public sealed partial class OutsideCrashTests
{
    private sealed class Diode(SyncPair pair)
    {
        private readonly Dictionary<long, HashSet<string>> _streams = [];

        public string InsideDrop { get; } = pair.MakeDir("inside-drop");

        /// <summary>Moves every finished file across, as a transfer service configured to skip *.tmp does.</summary>
        public void Transfer()
        {
            foreach (var file in Directory.GetFiles(pair.Drop))
            {
                var name = Path.GetFileName(file);
                if (name.EndsWith(".tmp", StringComparison.Ordinal))
                {
                    continue;
                }

                if (IndexName().Match(name) is { Success: true } index)
                {
                    var streams = _streams.TryGetValue(long.Parse(index.Groups[1].Value), out var s) ? s : _streams[long.Parse(index.Groups[1].Value)] = [];
                    streams.Add(index.Groups[2].Value);
                }

                File.Move(file, Path.Combine(InsideDrop, name), overwrite: true);
            }
        }

        /// <summary>Every generation number the outside delivered, and no number carried by two different streams.</summary>
        public void AssertNoNumberReused(string when)
        {
            foreach (var (generation, streams) in _streams)
            {
                Assert.True(streams.Count == 1, $"{when}: generation {generation} was delivered by {streams.Count} different bundles: {string.Join(", ", streams)}");
            }
        }

        /// <summary>Imports what has come across: it may wait for a generation still on its way, but never refuses one.</summary>
        public async Task<ProcessResult> Import(string when)
        {
            var import = await Run.Inside("import", "--drop", InsideDrop, "--target", pair.Target, "--state", pair.InsideState, "--trust", pair.Key + ".pub", "--quiet");
            Assert.True(import.ExitCode is 0 or 4, $"{when}: the inside refused what it received: {import}");
            return import;
        }
    }

    [GeneratedRegex(@"^sync-g(\d{8})-b\d{8}-([0-9a-f]{12})\.index$")]
    private static partial Regex IndexName();

    private static Task<ProcessResult> ExportCrashingAt(SyncPair pair, int point) =>
        Run.Agent("sync-outside", ["export", "--source", pair.Source, "--state", pair.OutsideState, "--key", pair.Key, "--drop", pair.Drop, "--quiet", "--volume-size", "64K"],
            new Dictionary<string, string> { ["SYNC_CRASH_POINT"] = point.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    private static void Change(SyncPair pair, int seed)
    {
        TreeBuilder.Write(pair.Source, $"pool/new-{seed}.deb", TreeBuilder.RandomBytes(150_000, seed));
        TreeBuilder.Write(pair.Source, "dists/stable/Packages", TreeBuilder.RandomBytes(40_000 + seed, seed));
    }

    [Fact]
    public async Task Killing_export_at_any_crash_point_never_reuses_a_generation_and_the_inside_never_needs_full()
    {
        using var pair = await SyncPair.CreateAsync();
        Change(pair, 0);
        var killed = 0;
        for (var point = 1; point < 60; point++)
        {
            var when = $"crash point {point}";
            await Run.Ok(Run.Process("rm", ["-rf", pair.OutsideState, pair.InsideState, pair.Target, pair.Dir("inside-drop")]));
            foreach (var file in Directory.GetFiles(pair.Drop))
            {
                File.Delete(file);
            }

            var diode = new Diode(pair);
            await Run.Ok(pair.Export("--volume-size", "64K"));
            diode.Transfer();
            await Run.Ok(diode.Import(when));
            Change(pair, point);

            // The export dies at this step (or, past the last one, finishes), and the transfer empties the folder.
            var crashed = await ExportCrashingAt(pair, point);
            diode.Transfer();
            var done = crashed.ExitCode == 0;
            Assert.True(done || crashed.ExitCode == 137, $"{when}: {crashed}");
            killed += done ? 0 : 1;
            await diode.Import(when);

            // The rerun dies too, at its first durable step (resolving the interruption, or taking a number).
            var rerun = await ExportCrashingAt(pair, 1);
            Assert.True(rerun.ExitCode is 0 or 137, $"{when}, rerun: {rerun}");
            diode.Transfer();
            await diode.Import(when);

            // Then the outside runs as usual: the inside catches up, whatever it got so far.
            await Run.Ok(pair.Export("--volume-size", "64K"));
            diode.Transfer();
            await Run.Ok(diode.Import(when));
            TreeAssert.Equal(pair.Source, pair.Target);

            // And the chain goes on: the next delta builds on what the inside holds.
            Change(pair, 100 + point);
            var next = await Run.Ok(pair.Export("--volume-size", "64K"));
            Assert.Contains("delta from", next.Stdout);
            diode.Transfer();
            await Run.Ok(diode.Import(when));
            TreeAssert.Equal(pair.Source, pair.Target);
            await Run.Ok(pair.Verify());
            diode.AssertNoNumberReused(when);

            if (done)
            {
                break; // past the last crash point: the export ran to the end
            }
        }

        // allocate; parts sealed; index written; manifest, index copy and emission recorded; index visible; committed
        Assert.True(killed >= 8, $"only {killed} crash points were exercised");
    }

    [Fact]
    public async Task Killing_export_at_random_instants_never_reuses_a_generation_and_the_inside_never_needs_full()
    {
        using var pair = await SyncPair.CreateAsync();
        var diode = new Diode(pair);
        Change(pair, 0);
        await Run.Ok(pair.Export());
        diode.Transfer();
        await Run.Ok(diode.Import("first"));

        var random = new Random(7);
        for (var attempt = 1; attempt <= 8; attempt++)
        {
            var when = $"attempt {attempt}";
            for (var i = 0; i < 12; i++)
            {
                TreeBuilder.Write(pair.Source, $"pool/{attempt}/{i}.deb", TreeBuilder.RandomBytes(400_000, (attempt * 100) + i));
            }

            var (process, export) = Run.StartAgent(
                "sync-outside", "export", "--source", pair.Source, "--state", pair.OutsideState, "--key", pair.Key, "--drop", pair.Drop, "--quiet", "--volume-size", "1M");
            await Task.Delay(random.Next(200, 1500));
            try
            {
                process.Kill(); // SIGKILL of the process this test started
            }
            catch (InvalidOperationException)
            {
                // it had already finished
            }

            var killedRun = await export;
            Assert.True(killedRun.ExitCode is 0 or 137, $"{when}: {killedRun}");
            diode.Transfer();
            await diode.Import(when);

            await Run.Ok(pair.Export());
            diode.Transfer();
            await Run.Ok(diode.Import(when));
            TreeAssert.Equal(pair.Source, pair.Target);
            diode.AssertNoNumberReused(when);
        }

        await Run.Ok(pair.Verify());
    }
}
