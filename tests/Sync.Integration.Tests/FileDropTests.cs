using System.Text;
using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests;

/// <summary>The two real executables moving generations of a generic tree through a drop folder.</summary>
public sealed class FileDropTests
{
    private static void MakeGenericTree(string root)
    {
        TreeBuilder.Write(root, "a/big.bin", TreeBuilder.RandomBytes(3_000_000, 1));
        TreeBuilder.Write(root, "a/text.txt", Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Range(0, 20_000).Select(i => $"line {i} of a text file that changes in place"))));
        TreeBuilder.Write(root, "exec.sh", Encoding.UTF8.GetBytes("#!/bin/sh\necho hi\n"), (UnixFileMode)0x1ED);
        TreeBuilder.Write(root, "ro/readonly.txt", [1, 2, 3], (UnixFileMode)0x124);
        TreeBuilder.Write(root, "empty-file", []);
        TreeBuilder.Write(root, "ünïcode name/файл.txt", Encoding.UTF8.GetBytes("unicode"));
        Directory.CreateDirectory(Path.Combine(root, "empty-dir/nested-empty"));
        File.CreateSymbolicLink(Path.Combine(root, "link-to-text"), "a/text.txt");
        File.CreateSymbolicLink(Path.Combine(root, "a/dangling"), "../nowhere");
        File.SetUnixFileMode(Path.Combine(root, "ro"), (UnixFileMode)0x16D);
    }

    [Theory]
    [InlineData("snapshot")]
    [InlineData("in-place")]
    public async Task Full_then_incremental_generations_reproduce_the_source_exactly(string publish)
    {
        using var pair = await SyncPair.CreateAsync();
        pair.Publish = publish;
        MakeGenericTree(pair.Source);

        var export1 = await Run.Ok(pair.Export());
        Assert.Contains("generation 1 (full)", export1.Stdout);
        var import1 = await Run.Ok(pair.Import());
        Assert.Contains("generation 1 published", import1.Stdout);
        TreeAssert.Equal(pair.Source, pair.Target);
        await Run.Ok(pair.Verify());

        // In-place edit, move, copy, removal, chmod, new file, new empty dir, removed dir.
        var text = Path.Combine(pair.Source, "a/text.txt");
        var lines = File.ReadAllLines(text);
        lines[100] = "edited line";
        lines[15_000] = "another edit";
        File.WriteAllLines(text, lines);
        File.Move(Path.Combine(pair.Source, "a/big.bin"), Path.Combine(pair.Source, "moved-big.bin"));
        File.Copy(Path.Combine(pair.Source, "moved-big.bin"), Path.Combine(pair.Source, "copy-of-big.bin"));
        File.SetLastWriteTimeUtc(Path.Combine(pair.Source, "copy-of-big.bin"), new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        File.Delete(Path.Combine(pair.Source, "empty-file"));
        File.SetUnixFileMode(Path.Combine(pair.Source, "exec.sh"), (UnixFileMode)0x1C0);
        TreeBuilder.Write(pair.Source, "new/fresh.bin", TreeBuilder.RandomBytes(100_000, 2));
        Directory.Delete(Path.Combine(pair.Source, "empty-dir/nested-empty"));
        Directory.CreateDirectory(Path.Combine(pair.Source, "another-empty"));

        var export2 = await Run.Ok(pair.Export());
        Assert.Contains("generation 2 (delta from 1)", export2.Stdout);
        Assert.Contains("files 3 new, 2 changed, 2 removed", export2.Stdout);

        // Moved and copied data is not sent again; the edited text costs a byte delta, not a copy.
        var bundle = pair.BundleBytes(2);
        Assert.True(bundle < 100_000 + 60_000, $"bundle of generation 2 is {bundle} bytes");

        await Run.Ok(pair.Import());
        TreeAssert.Equal(pair.Source, pair.Target);
        await Run.Ok(pair.Verify());
        var status = await Run.Ok(pair.Status());
        Assert.Contains("published: generation 2", status.Stdout);
    }

    [Fact]
    public async Task An_unchanged_tree_exports_nothing()
    {
        using var pair = await SyncPair.CreateAsync();
        MakeGenericTree(pair.Source);
        await Run.Ok(pair.Export());
        var files = Directory.GetFiles(pair.Drop).Length;
        var again = await Run.Ok(pair.Export());
        Assert.Contains("nothing changed", again.Stdout);
        Assert.Equal(files, Directory.GetFiles(pair.Drop).Length);
    }

    [Fact]
    public async Task Volumes_split_a_bundle_into_parts_no_larger_than_asked()
    {
        using var pair = await SyncPair.CreateAsync();
        TreeBuilder.Write(pair.Source, "big.bin", TreeBuilder.RandomBytes(1_500_000, 3));
        var export = await Run.Ok(pair.Export("--volume-size", "256K"));
        var parts = Directory.GetFiles(pair.Drop, "*.p*");
        Assert.True(parts.Length >= 6, export.Stdout);
        Assert.All(parts, p => Assert.True(new FileInfo(p).Length <= 256 * 1024));
        await Run.Ok(pair.Import());
        TreeAssert.Equal(pair.Source, pair.Target);
    }

    [Fact]
    public async Task A_delta_without_its_base_is_refused_naming_the_generation_it_needs()
    {
        using var pair = await SyncPair.CreateAsync();
        MakeGenericTree(pair.Source);
        await Run.Ok(pair.Export());
        foreach (var file in Directory.GetFiles(pair.Drop))
        {
            File.Delete(file); // generation 1 never reaches the inside
        }

        TreeBuilder.Write(pair.Source, "later.txt", [4, 5, 6]);
        await Run.Ok(pair.Export());
        var import = await pair.Import();
        Assert.Equal(4, import.ExitCode);
        Assert.Contains("apply generation 1 first", import.Stderr);
        Assert.False(Directory.Exists(pair.Target) || File.Exists(pair.Target));
        var status = await Run.Ok(pair.Status());
        Assert.Contains("pending:", status.Stdout);
        Assert.Contains("generation 1", status.Stdout);
    }

    [Fact]
    public async Task A_full_export_catches_up_an_inside_that_missed_deltas()
    {
        using var pair = await SyncPair.CreateAsync();
        MakeGenericTree(pair.Source);
        await Run.Ok(pair.Export());
        await Run.Ok(pair.Import());
        TreeBuilder.Write(pair.Source, "g2.txt", [2]);
        await Run.Ok(pair.Export());
        foreach (var file in Directory.GetFiles(pair.Drop, "sync-g00000002-*"))
        {
            File.Delete(file); // lost on the way
        }

        TreeBuilder.Write(pair.Source, "g3.txt", [3]);
        await Run.Ok(pair.Export("--full"));
        await Run.Ok(pair.Import());
        TreeAssert.Equal(pair.Source, pair.Target);
    }

    [Fact]
    public async Task Bundles_signed_by_an_untrusted_key_are_refused_and_change_nothing()
    {
        using var pair = await SyncPair.CreateAsync();
        MakeGenericTree(pair.Source);
        await Run.Ok(pair.Export());
        await Run.Ok(pair.Import());
        var before = TreeAssert.Describe(pair.Target);

        var otherKey = pair.Dir("other-key");
        await Run.Ok(Run.Outside("keygen", "--key", otherKey));
        TreeBuilder.Write(pair.Source, "evil.txt", [6, 6, 6]);
        await Run.Ok(Run.Outside("export", "--source", pair.Source, "--state", pair.OutsideState, "--key", otherKey, "--drop", pair.Drop, "--quiet"));
        var import = await pair.Import();
        Assert.Equal(3, import.ExitCode);
        Assert.Contains("not trusted", import.Stderr);
        Assert.Equal(before, TreeAssert.Describe(pair.Target));
    }

    [Fact]
    public async Task A_replayed_or_older_generation_is_refused()
    {
        using var pair = await SyncPair.CreateAsync();
        MakeGenericTree(pair.Source);
        await Run.Ok(pair.Export());
        await Run.Ok(pair.Import());
        TreeBuilder.Write(pair.Source, "g2.txt", [2]);
        await Run.Ok(pair.Export());
        await Run.Ok(pair.Import());

        // Re-running over the same folder skips what this inside already applied.
        await Run.Ok(pair.Import());

        // A generation-1 bundle this inside never saw (same key, another outside state): refused as a replay.
        var oldDrop = pair.MakeDir("old-drop");
        await Run.Ok(Run.Outside("export", "--source", pair.Source, "--state", pair.Dir("other-outside"), "--key", pair.Key, "--drop", oldDrop, "--quiet"));
        var before = TreeAssert.Describe(pair.Target);
        var replay = await Run.Inside("import", "--drop", oldDrop, "--target", pair.Target, "--state", pair.InsideState, "--trust", pair.Key + ".pub", "--quiet");
        Assert.Equal(3, replay.ExitCode);
        Assert.Contains("already published", replay.Stderr);
        Assert.Equal(before, TreeAssert.Describe(pair.Target));
    }

    [Fact]
    public async Task Damaged_truncated_missing_or_foreign_parts_are_refused_and_the_import_can_be_rerun()
    {
        using var pair = await SyncPair.CreateAsync();
        MakeGenericTree(pair.Source);
        await Run.Ok(pair.Export("--volume-size", "1M"));
        await Run.Ok(pair.Import());
        var published = TreeAssert.Describe(pair.Target);

        TreeBuilder.Write(pair.Source, "new-data.bin", TreeBuilder.RandomBytes(2_500_000, 9));
        await Run.Ok(pair.Export("--volume-size", "1M"));
        var parts = Directory.GetFiles(pair.Drop, "sync-g00000002-*.p*").Order(StringComparer.Ordinal).ToArray();
        Assert.True(parts.Length >= 3);
        var good = File.ReadAllBytes(parts[1]);

        // A flipped byte.
        var flipped = (byte[])good.Clone();
        flipped[flipped.Length / 2] ^= 0x40;
        File.WriteAllBytes(parts[1], flipped);
        var import = await pair.Import();
        Assert.Equal(3, import.ExitCode);
        Assert.Contains("damaged", import.Stderr);
        Assert.Equal(published, TreeAssert.Describe(pair.Target));

        // Truncated.
        File.WriteAllBytes(parts[1], good[..^100]);
        import = await pair.Import();
        Assert.Equal(3, import.ExitCode);
        Assert.Equal(published, TreeAssert.Describe(pair.Target));

        // Missing: waiting for the part is not a refusal of the bundle.
        File.Delete(parts[1]);
        import = await pair.Import();
        Assert.Equal(4, import.ExitCode);
        Assert.Contains("missing part", import.Stderr);
        Assert.Equal(published, TreeAssert.Describe(pair.Target));

        // A part of the same size from another bundle.
        File.WriteAllBytes(parts[1], TreeBuilder.RandomBytes(good.Length, 5));
        import = await pair.Import();
        Assert.Equal(3, import.ExitCode);
        Assert.Equal(published, TreeAssert.Describe(pair.Target));

        // The good part arrives: the same import now succeeds.
        File.WriteAllBytes(parts[1], good);
        await Run.Ok(pair.Import());
        TreeAssert.Equal(pair.Source, pair.Target);
    }

    [Fact]
    public async Task Verify_names_what_differs_from_the_published_generation()
    {
        using var pair = await SyncPair.CreateAsync();
        pair.Publish = "in-place";
        MakeGenericTree(pair.Source);
        await Run.Ok(pair.Export());
        await Run.Ok(pair.Import());
        await File.AppendAllTextAsync(Path.Combine(pair.Target, "a/text.txt"), "tampered");
        File.Delete(Path.Combine(pair.Target, "exec.sh"));
        await File.WriteAllTextAsync(Path.Combine(pair.Target, "stray"), "x");
        var verify = await pair.Verify();
        Assert.NotEqual(0, verify.ExitCode);
        Assert.Contains("a/text.txt", verify.Stdout);
        Assert.Contains("missing: exec.sh", verify.Stdout);
        Assert.Contains("extra: stray", verify.Stdout);
    }

    [Fact]
    public async Task Command_line_mistakes_get_one_line_and_a_usage_exit_code()
    {
        var missing = await Run.Outside("export", "--source", "/nonexistent");
        Assert.Equal(2, missing.ExitCode);
        Assert.Single(missing.Stderr.Trim().Split('\n'));

        using var pair = await SyncPair.CreateAsync();
        var again = await Run.Outside("keygen", "--key", pair.Key);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("refusing to overwrite", again.Stderr);
        Assert.Single(again.Stderr.Trim().Split('\n'));
        Assert.Equal("600", Convert.ToString((int)File.GetUnixFileMode(pair.Key), 8));

        Directory.Delete(pair.Source);
        var noSource = await pair.Export();
        Assert.Equal(2, noSource.ExitCode);
        Assert.Contains("not a directory", noSource.Stderr);

        var help = await Run.Inside("import", "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--publish", help.Stdout);
    }
}
