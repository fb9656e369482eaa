using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests;

/// <summary>
/// Issue 9, against the real agents: a damaged state file (what the inside-state, outside-state and scan-cache fuzz
/// targets found) ends a command with one line and exit 1, or costs a re-hash; it never surfaces as an internal
/// error, and what is published stays published.
/// </summary>
public sealed class DamagedStateFileTests
{
    [Fact]
    public async Task A_published_record_missing_a_field_is_reported_as_a_damaged_state_file()
    {
        using var pair = await SyncPair.CreateAsync();
        await Run.Ok(pair.Export());
        await Run.Ok(pair.Import());
        var published = Path.Combine(pair.InsideState, "published.json");
        var json = await File.ReadAllTextAsync(published);
        await File.WriteAllTextAsync(published, json.Replace("\"manifestDigest\"", "\"manifestDigestX\"", StringComparison.Ordinal));

        foreach (var run in new[] { pair.Status(), pair.Import() })
        {
            var result = await run;
            Assert.True(result.ExitCode == 1, result.ToString());
            var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("published.json' is damaged: a field is missing", line);
        }
    }

    [Fact]
    public async Task An_outside_state_missing_a_field_is_reported_and_a_damaged_scan_cache_costs_a_rehash()
    {
        using var pair = await SyncPair.CreateAsync();
        await File.WriteAllTextAsync(Path.Combine(pair.Source, "Release"), "Suite: stable\n");
        await Run.Ok(pair.Export());

        // The first entry claims 2^31 - 1 chunks (magic, count, name, five 8-byte fields and the digest come first):
        // the next export re-hashes the tree instead of allocating them.
        var cache = Path.Combine(pair.OutsideState, "scan-cache.bin");
        var bytes = await File.ReadAllBytesAsync(cache);
        Assert.True(bytes[8] < 0x80, "a name of one length byte");
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(9 + bytes[8] + 40 + 32), int.MaxValue);
        await File.WriteAllBytesAsync(cache, bytes);
        var export = await pair.Export("--full");
        Assert.True(export.ExitCode == 0, export.ToString());

        var state = Path.Combine(pair.OutsideState, "state.json");
        await File.WriteAllTextAsync(state, (await File.ReadAllTextAsync(state)).Replace("\"lastStreamId\"", "\"x\"", StringComparison.Ordinal));
        var damaged = await pair.Export();
        Assert.True(damaged.ExitCode == 1, damaged.ToString());
        Assert.Contains("state.json' is damaged", Assert.Single(damaged.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }
}
