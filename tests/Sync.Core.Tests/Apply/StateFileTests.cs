using Sync.Core.Apply;
using Sync.Core.Export;
using Sync.Testing.FileSystem;

namespace Sync.Core.Tests.Apply;

/// <summary>
/// Issue 9 (found by the inside-state and outside-state fuzz targets): JSON leaves a missing field null, and the
/// agents dereferenced it later (a NullReferenceException, "internal error"). A state file with a missing or
/// impossible field is now a damaged state file: one line, exit 1; a damaged status is as good as none.
/// </summary>
public sealed class StateFileTests : IDisposable
{
    private const string Digest = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private const string Staging = "\"/srv/.mirror.sync-staging\"";
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
    [InlineData(",\"ops\":[{\"path\":\"pool/a\",\"staged\":null,\"mode\":0,\"mtimeNs\":0,\"marker\":0}]")]
    [InlineData(",\"ops\":[{\"kind\":\"Exchange\",\"path\":\"dists/stable\",\"staged\":\"suite-0\",\"mode\":0,\"mtimeNs\":0}]")]
    public void A_journal_with_a_missing_field_is_damaged_before_recovery_reads_it(string ops)
    {
        File.WriteAllText(_temp.Combine("journal.json"), JournalOfFormat2(ops));
        using var state = InsideState.OpenReadOnly(_temp.Path);

        var e = Assert.Throws<SyncException>(() => state.ReadJournal());
        Assert.Contains("is damaged", e.Message);
    }

    /// <summary>
    /// Found by the inside-state fuzz target, which runs the recovery: a journal whose step names a path that is not a
    /// plain relative path, or lacks the staged path its kind moves, or whose target is not an absolute path, made the
    /// recovery throw ArgumentException or NullReferenceException ("internal error") instead of refusing the journal.
    /// </summary>
    [Theory]
    [InlineData(",\"ops\":[{\"kind\":\"MakeDirectory\",\"path\":\"dists/\",\"staged\":null,\"mode\":493,\"mtimeNs\":0,\"marker\":0}]")]
    [InlineData(",\"ops\":[{\"kind\":\"Delete\",\"path\":\"../etc/passwd\",\"staged\":null,\"mode\":0,\"mtimeNs\":0,\"marker\":0}]")]
    [InlineData(",\"ops\":[{\"kind\":\"Delete\",\"path\":\"\",\"staged\":null,\"mode\":0,\"mtimeNs\":0,\"marker\":0}]")]
    [InlineData(",\"ops\":[{\"kind\":\"Rename\",\"path\":\"dists/stable\",\"staged\":null,\"mode\":0,\"mtimeNs\":0,\"marker\":0}]")]
    [InlineData(",\"ops\":[{\"kind\":\"Exchange\",\"path\":\"dists/stable\",\"staged\":\"/abs\",\"mode\":0,\"mtimeNs\":0,\"marker\":0}]")]
    [InlineData(",\"ops\":[]", "")]
    [InlineData(",\"ops\":[]", "relative/mirror")]
    [InlineData(",\"ops\":[]", "/srv/mirror", "null")]
    [InlineData(",\"ops\":[]", "/srv/mirror", "\"staging\"")]
    public void A_journal_whose_steps_name_impossible_paths_is_damaged_before_recovery_replays_it(string ops, string target = "/srv/mirror", string staging = Staging)
    {
        File.WriteAllText(_temp.Combine("journal.json"), JournalOfFormat2(ops, target, staging));
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

    // Written without a byte order mark (Encoding.UTF8 writes one, and JSON refuses it, which once made this case pass
    // for the wrong reason after the check it tests was lost in a merge).
    [Theory]
    [InlineData("{\"generation\":2,\"exportedAt\":\"2026-01-01T00:00:00+00:00\"}", "a field is missing")]
    [InlineData("{\"generation\":-2,\"manifestDigest\":\"" + Digest + "\",\"lastStreamId\":\"s\",\"exportedAt\":\"2026-01-01T00:00:00+00:00\"}", "generation -2")]
    [InlineData("{\"generation\":2,\"manifestDigest\":\"" + Digest + "\",\"lastStreamId\":\"s\",\"exportedAt\":\"2026-01-01T00:00:00+00:00\",\"history\":[null]}", "history")]
    [InlineData("{\"generation\":2,\"manifestDigest\":\"" + Digest + "\",\"lastStreamId\":\"s\",\"exportedAt\":\"2026-01-01T00:00:00+00:00\",\"pending\":{\"generation\":3}}", "pending")]
    public void An_outside_state_record_with_a_missing_or_impossible_field_is_a_damaged_state_file(string json, string why)
    {
        File.WriteAllText(_temp.Combine("state.json"), json);

        var e = Assert.Throws<SyncException>(() => OutsideState.Open(_temp.Path));
        Assert.Equal(SyncErrorKind.Failure, e.Kind);
        Assert.Contains("state.json' is damaged", e.Message);
        Assert.Contains(why, e.Message);
    }

    /// <summary>
    /// The emission record names files the outside deletes once an emission is resolved (a bundle index kept in
    /// emitted/, a UDP spool stream): a damaged or altered record that names one elsewhere is refused before anything
    /// is deleted, whatever it names.
    /// </summary>
    [Theory]
    [InlineData("\"pending\":PENDING", "file-drop", "../../victim")]
    [InlineData("\"pending\":PENDING", "file-drop", "VICTIM")]
    [InlineData("\"pending\":PENDING", "udp", "../victim")]
    [InlineData("\"pending\":PENDING", "udp", "VICTIM")]
    [InlineData("\"owedIndex\":\"FILE\"", "file-drop", "../../victim")]
    public void An_emission_record_naming_a_file_outside_its_folder_is_a_damaged_state_file_and_nothing_is_deleted(string field, string carrier, string file)
    {
        var victim = _temp.Combine("victim");
        File.WriteAllText(victim, "not the outside's");
        var state = _temp.CreateSubdirectory("state");
        file = file.Replace("VICTIM", victim, StringComparison.Ordinal);
        var pending = "{\"generation\":3,\"baseGeneration\":2,\"manifestDigest\":\"" + Digest + "\",\"streamId\":\"s3\",\"carrier\":\"" + carrier +
            "\",\"at\":\"2026-01-01T00:00:00+00:00\",\"outcome\":\"pending\",\"file\":\"" + file + "\"}";
        File.WriteAllText(Path.Combine(state, "state.json"), "{\"generation\":2,\"manifestDigest\":\"" + Digest + "\",\"lastStreamId\":\"s\"," +
            "\"exportedAt\":\"2026-01-01T00:00:00+00:00\",\"lastGeneration\":3," + field.Replace("PENDING", pending, StringComparison.Ordinal).Replace("FILE", file, StringComparison.Ordinal) + "}");

        var e = Assert.Throws<SyncException>(() => OutsideState.Open(state));
        Assert.Contains("state.json' is damaged", e.Message);
        Assert.True(File.Exists(victim), "a file outside the state directory was deleted");
    }

    /// <summary>A journal of format 2 (tree-relative paths, op kinds by name) as InsideState writes it, with <paramref name="ops"/> (or none), <paramref name="target"/> and <paramref name="staging"/> (JSON).</summary>
    private static string JournalOfFormat2(string ops, string target = "/srv/mirror", string staging = Staging) =>
        "{\"format\":2,\"generation\":3,\"manifestDigest\":\"" + Digest + "\",\"streamId\":\"s\",\"mode\":\"InPlace\",\"target\":\"" + target + "\"," +
        "\"snapshot\":null,\"stagingDirectory\":" + staging + ",\"policy\":{\"keepSpecialModes\":false}" + ops + "}";
}
