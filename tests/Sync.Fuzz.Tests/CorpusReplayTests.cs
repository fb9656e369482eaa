namespace Sync.Fuzz.Tests;

/// <summary>
/// Every fuzz target, run in-process over its seed corpus (real bundles, frames and state files, which the product
/// must accept: so the target is known to reach past its first check) and over the inputs afl-fuzz found (findings/,
/// each fixed since: they must be refused cleanly). The same target code afl-fuzz runs, without afl-fuzz.
/// </summary>
public sealed class CorpusReplayTests : IDisposable
{
    // A watchdog, not a speed assertion: a hang found by afl-fuzz must fail the test instead of stalling the run.
    private static readonly TimeSpan Watchdog = TimeSpan.FromMinutes(2);

    public static TheoryData<string> Targets() => [.. FuzzTargets.All.Select(t => t.Name)];

    public void Dispose() => Scratch.Remove();

    [Fact]
    public void Every_target_has_a_seed_corpus_and_no_corpus_lacks_a_target()
    {
        var folders = Directory.GetDirectories(Path.Combine(AppContext.BaseDirectory, "corpus")).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(FuzzTargets.All.Select(t => t.Name).Order(), folders);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task The_seeds_are_accepted(string name)
    {
        var target = FuzzTargets.Find(name)!;
        var seeds = Files("corpus", name);
        Assert.NotEmpty(seeds);
        foreach (var seed in seeds)
        {
            var refusal = await target.RunAsync(await File.ReadAllBytesAsync(seed), CancellationToken.None).WaitAsync(Watchdog);
            Assert.True(refusal is null, $"{name} refused its seed {Path.GetFileName(seed)}: {refusal}");
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task The_saved_findings_are_refused_cleanly(string name)
    {
        var target = FuzzTargets.Find(name)!;
        foreach (var finding in Files("findings", name))
        {
            var bytes = await File.ReadAllBytesAsync(finding);
            var error = await Record.ExceptionAsync(() => target.RunAsync(bytes, CancellationToken.None).WaitAsync(Watchdog));
            Assert.True(error is null, $"{name} finding {Path.GetFileName(finding)}: {error}");
        }
    }

    private static List<string> Files(string kind, string target)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, kind, target);
        return Directory.Exists(folder) ? [.. Directory.GetFiles(folder).Order(StringComparer.Ordinal)] : [];
    }
}
