namespace Sync.Core.Tests.Apply;

/// <summary>
/// Snapshot mode keeps `pool/` in one store shared by every snapshot: a generation that changes a few pool files costs
/// those files, not the pool; a pool file leaves the store only when no kept snapshot names it; a generation that would
/// change a pool file in place gets a new epoch, and no published snapshot ever sees a file change under it.
/// </summary>
public sealed class SharedPoolTests : IDisposable
{
    private readonly StreamHarness _harness = new("sync-pool-");

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task A_generation_that_changes_a_few_pool_files_costs_those_files_not_the_pool()
    {
        for (var i = 0; i < 400; i++)
        {
            _harness.Write($"pool/main/p{i % 40}/pkg{i}_1.deb", i);
        }

        _harness.Write("dists/noble/main/binary-amd64/Packages", 1000);
        var first = await _harness.ExportAsync();
        for (var i = 0; i < 4; i++)
        {
            File.Delete(Path.Combine(_harness.Source, $"pool/main/p{i}/pkg{i}_1.deb"));
            _harness.Write($"pool/main/p{i}/pkg{i}_2.deb", 2000 + i);
        }

        _harness.Write("dists/noble/main/binary-amd64/Packages", 1001);
        var second = await _harness.ExportAsync();

        var fs = StreamHarness.NewFileSystem();
        await _harness.ApplyAsync(fs, first);
        var before = fs.Steps;
        await _harness.ApplyAsync(fs, second);
        var incremental = fs.Steps - before;

        // The same generation built whole, for comparison: every pool file linked into a directory of its own.
        var whole = StreamHarness.NewFileSystem();
        await _harness.ApplyAsync(whole, await _harness.ExportAsync(full: true));
        Assert.True(incremental * 5 < whole.Steps, $"a 1% change took {incremental} steps; the whole tree takes {whole.Steps}");
        await StreamHarness.AssertPublishedAsync(fs, second.Manifest);
    }

    [Fact]
    public async Task A_removed_pool_file_stays_while_a_kept_snapshot_names_it_and_goes_after()
    {
        _harness.Write("pool/main/a/a_1.deb", 1);
        _harness.Write("pool/main/b/b_1.deb", 2);
        _harness.Write("dists/noble/Release", 3);
        var fs = StreamHarness.NewFileSystem();
        await _harness.ApplyAsync(fs, await _harness.ExportAsync(), keep: 2);
        var gen1 = StreamHarness.ReadThroughSnapshot(fs, "g00000001", "pool/main/a/a_1.deb");

        File.Delete(Path.Combine(_harness.Source, "pool/main/a/a_1.deb"));
        _harness.Write("dists/noble/Release", 4);
        await _harness.ApplyAsync(fs, await _harness.ExportAsync(), keep: 2);
        Assert.Equal(gen1, StreamHarness.ReadThroughSnapshot(fs, "g00000001", "pool/main/a/a_1.deb")); // the kept snapshot still reads it

        _harness.Write("dists/noble/Release", 5);
        var third = await _harness.ExportAsync();
        await _harness.ApplyAsync(fs, third, keep: 2);
        Assert.Null(fs.ReadFile("/state/pools/0001/pool/main/a/a_1.deb")); // no kept snapshot (2, 3) names it
        Assert.NotNull(fs.ReadFile("/state/pools/0001/pool/main/b/b_1.deb"));
        await StreamHarness.AssertPublishedAsync(fs, third.Manifest);
    }

    [Fact]
    public async Task A_pool_file_changed_in_place_starts_a_new_epoch_and_the_old_snapshot_keeps_its_bytes()
    {
        _harness.Write("pool/main/a/a_1.deb", 1);
        _harness.Write("dists/noble/Release", 3);
        var fs = StreamHarness.NewFileSystem();
        await _harness.ApplyAsync(fs, await _harness.ExportAsync(), keep: 2);
        var old = StreamHarness.ReadThroughSnapshot(fs, "g00000001", "pool/main/a/a_1.deb");

        _harness.Write("pool/main/a/a_1.deb", 99); // same name, other bytes: what APT never does, but a tree may
        var second = await _harness.ExportAsync();
        await _harness.ApplyAsync(fs, second, keep: 2);
        Assert.Equal(old, StreamHarness.ReadThroughSnapshot(fs, "g00000001", "pool/main/a/a_1.deb"));
        Assert.NotEqual(old, StreamHarness.ReadThroughSnapshot(fs, "g00000002", "pool/main/a/a_1.deb"));
        await StreamHarness.AssertPublishedAsync(fs, second.Manifest);

        _harness.Write("dists/noble/Release", 4);
        await _harness.ApplyAsync(fs, await _harness.ExportAsync(), keep: 2);
        Assert.Null(fs.ReadFile("/state/pools/0001/pool/main/a/a_1.deb")); // epoch 0001 is used by no kept snapshot
    }
}
