using System.Text;
using Sync.Core.Apply;
using Sync.Core.Export;
using Sync.Core.Tests.FileDrop;

namespace Sync.Core.Tests.Apply;

/// <summary>
/// Issue 9 (found by the inside-state and outside-state fuzz targets): JSON leaves a missing field null, and the
/// agents dereferenced it later (a NullReferenceException, "internal error"). A state file with a missing or
/// impossible field is now a damaged state file: one line, exit 1; a damaged status is as good as none.
/// </summary>
public sealed class StateFileTests : IDisposable
{
    private const string Digest = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("{\"generation\":3,\"streamId\":\"s\",\"mode\":\"Snapshot\",\"target\":\"/srv\",\"snapshotDirectory\":null}", "a field is missing")]
    [InlineData("{\"generation\":3,\"manifestDigest\":\"not hex\",\"streamId\":\"s\",\"mode\":\"Snapshot\",\"target\":\"/srv\"}", "64 hex digits")]
    [InlineData("{\"generation\":-3,\"manifestDigest\":\"" + Digest + "\",\"streamId\":\"s\",\"mode\":\"Snapshot\",\"target\":\"/srv\"}", "generation -3")]
    [InlineData("{\"generation\":3,\"manifestDigest\":\"" + Digest + "\",\"streamId\":\"s\",\"mode\":7,\"target\":\"/srv\"}", "unknown publish mode")]
    public void A_published_record_with_a_missing_or_impossible_field_is_a_damaged_state_file(string json, string why)
    {
        File.WriteAllText(_temp.Combine("published.json"), json);

        var e = Assert.Throws<SyncException>(() => InsideState.OpenReadOnly(_temp.Path));
        Assert.Equal(SyncErrorKind.Failure, e.Kind);
        Assert.Contains("is damaged", e.Message);
        Assert.Contains(why, e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData(",\"ops\":[{\"kind\":\"Delete\",\"staged\":null,\"mode\":0,\"mtimeNs\":0,\"marker\":0}]")]
    [InlineData(",\"ops\":[null]")]
    public void A_journal_with_a_missing_field_is_damaged_before_recovery_reads_it(string ops)
    {
        File.WriteAllText(_temp.Combine("journal.json"), JournalOfFormat2(ops));
        using var state = InsideState.OpenReadOnly(_temp.Path);

        var e = Assert.Throws<SyncException>(() => state.ReadJournal());
        Assert.Contains("is damaged", e.Message);
    }

    [Fact]
    public void A_whole_journal_of_format_2_is_read()
    {
        File.WriteAllText(_temp.Combine("journal.json"), JournalOfFormat2(",\"ops\":[{\"kind\":\"Delete\",\"path\":\"pool/a\",\"staged\":null,\"mode\":0,\"mtimeNs\":0,\"marker\":0}]"));
        using var state = InsideState.OpenReadOnly(_temp.Path);

        var op = Assert.Single(state.ReadJournal()!.Ops);
        Assert.Equal(new JournalOp(JournalOpKind.Delete, "pool/a"), op);
    }

    [Fact]
    public void A_status_without_its_lists_is_no_status()
    {
        File.WriteAllText(_temp.Combine("status.json"), "{\"at\":\"2026-01-01T00:00:00+00:00\",\"applied\":[\"a\"]}");
        using var state = InsideState.OpenReadOnly(_temp.Path);

        Assert.Null(state.ReadStatus());
    }

    [Fact]
    public void An_outside_state_record_with_a_missing_field_is_a_damaged_state_file()
    {
        File.WriteAllText(_temp.Combine("state.json"), "{\"generation\":2,\"exportedAt\":\"2026-01-01T00:00:00+00:00\"}", Encoding.UTF8);

        var e = Assert.Throws<SyncException>(() => OutsideState.Open(_temp.Path));
        Assert.Equal(SyncErrorKind.Failure, e.Kind);
        Assert.Contains("state.json' is damaged", e.Message);
    }

    /// <summary>A journal of format 2 (tree-relative paths, op kinds by name) as InsideState writes it, with <paramref name="ops"/> (or none).</summary>
    private static string JournalOfFormat2(string ops) =>
        "{\"format\":2,\"generation\":3,\"manifestDigest\":\"" + Digest + "\",\"streamId\":\"s\",\"mode\":\"InPlace\"," +
        "\"target\":\"/srv/mirror\",\"snapshot\":null,\"stagingDirectory\":\"/srv/.mirror.sync-staging\",\"policy\":{\"keepSpecialModes\":false}" + ops + "}";
}
