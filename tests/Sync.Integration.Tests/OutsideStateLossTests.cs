using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests;

/// <summary>
/// An outside whose state was lost starts numbering again from 1, which a bundle or diode inside refuses as a replay;
/// `--after-generation N` (N read from the inside's status) numbers the next, full, generation above it.
/// </summary>
public sealed class OutsideStateLossTests
{
    [Fact]
    public async Task After_the_outsides_state_is_lost_after_generation_continues_the_numbering_the_inside_accepts()
    {
        using var pair = await SyncPair.CreateAsync();
        TreeBuilder.Write(pair.Source, "pool/a.deb", TreeBuilder.RandomBytes(50_000, 1));
        await Run.Ok(pair.Export());
        TreeBuilder.Write(pair.Source, "pool/b.deb", TreeBuilder.RandomBytes(50_000, 2));
        await Run.Ok(pair.Export());
        await Run.Ok(pair.Import()); // the inside publishes generation 2

        Directory.Delete(pair.OutsideState, recursive: true);
        foreach (var bundle in Directory.GetFiles(pair.Drop))
        {
            File.Delete(bundle);
        }

        TreeBuilder.Write(pair.Source, "pool/c.deb", TreeBuilder.RandomBytes(50_000, 3));
        var renumbered = await Run.Ok(pair.Export("--after-generation", "2"));
        Assert.Contains("generation 3", renumbered.Stdout);
        Assert.Contains("generation 3 published (was 2)", (await Run.Ok(pair.Import())).Stdout);
        TreeAssert.Equal(pair.Source, pair.Target);

        // A state that exported before would send a delta from its own last generation, which an inside past it cannot
        // apply: refused before anything is scanned or numbered, unless the export is full.
        var delta = await pair.Export("--after-generation", "9");
        Assert.True(delta.ExitCode == 2, delta.ToString());
        Assert.Contains("this state last exported generation 3", Assert.Single(delta.Stderr.Trim().Split('\n')));
        TreeBuilder.Write(pair.Source, "pool/d.deb", TreeBuilder.RandomBytes(50_000, 4));
        Assert.Contains("generation 10", (await Run.Ok(pair.Export("--after-generation", "9", "--full"))).Stdout);
        Assert.Contains("generation 10 published (was 3)", (await Run.Ok(pair.Import())).Stdout);
        TreeAssert.Equal(pair.Source, pair.Target);
    }
}
