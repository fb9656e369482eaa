using System.Text;
using Sync.Core.Apply;
using Sync.Core.Export;
using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Protocol;
using Sync.Testing.FileSystem;

namespace Sync.Core.Tests.Export;

/// <summary>
/// The outside's own record of what it emitted: numbers that only grow, and interrupted emissions resolved from the
/// record alone, whatever became of the drop folder.
/// </summary>
public sealed class OutsideStateTests : IDisposable
{
    private readonly TempDirectory _dir = new("sync-outside-state-");

    private string StateDir => _dir.Combine("state");

    public void Dispose() => _dir.Dispose();

    private static (Emission Emission, byte[] Manifest) Made(long generation, long baseGeneration, string carrier = Emission.FileDrop)
    {
        var manifest = Encoding.ASCII.GetBytes($"manifest of generation {generation}");
        var stream = Convert.ToHexStringLower(Digest.Compute(manifest).ToArray()[..16]);
        return (new Emission(generation, baseGeneration, Digest.Compute(manifest).ToHex(), stream, carrier, DateTimeOffset.UnixEpoch, Emission.Pending), manifest);
    }

    private static void RecordBundle(OutsideState state, Emission emission, byte[] manifest) =>
        state.RecordBundle(emission, state.StageManifest(emission.Generation, manifest), $"sync-g{emission.Generation:D8}.index", Encoding.ASCII.GetBytes($"index {emission.Generation}"));

    [Fact]
    public void A_generation_number_is_never_taken_twice_even_when_nothing_was_emitted_with_it()
    {
        using (var state = OutsideState.Open(StateDir))
        {
            Assert.Equal(1, state.AllocateGeneration());
        }

        using (var state = OutsideState.Open(StateDir))
        {
            Assert.Equal(0, state.Current.Generation); // the base did not move
            Assert.Equal(2, state.AllocateGeneration());
            Assert.Equal(8, state.AllocateGeneration(atLeastAbove: 7)); // above what an answering inside publishes
        }

        using (var state = OutsideState.Open(StateDir))
        {
            Assert.Equal(9, state.AllocateGeneration(atLeastAbove: 3));
        }
    }

    [Fact]
    public void A_bundle_sealed_before_an_interruption_counts_as_delivered_and_its_index_is_owed_to_the_drop_folder()
    {
        var (emission, manifest) = Made(1, 0);
        using (var state = OutsideState.Open(StateDir))
        {
            Assert.Equal(1, state.AllocateGeneration());
            RecordBundle(state, emission, manifest);
        }

        // No drop folder is looked at: the record alone decides.
        using (var state = OutsideState.Open(StateDir))
        {
            Assert.Equal(1, state.Current.Generation);
            Assert.Equal(manifest, state.LoadLastManifest());
            Assert.Contains("counts as delivered", state.RecoveryNote);
            var owed = Assert.NotNull(state.OwedIndex);
            Assert.Equal("sync-g00000001.index", owed.Name);
            Assert.Equal("index 1"u8.ToArray(), owed.Bytes);
            Assert.Equal(Emission.Delivered, Assert.Single(state.Current.History).Outcome);
            Assert.Equal(2, state.AllocateGeneration());
        }

        using (var state = OutsideState.Open(StateDir))
        {
            Assert.NotNull(state.OwedIndex); // still owed until an export wrote it
            state.IndexRedelivered();
        }

        using (var state = OutsideState.Open(StateDir))
        {
            Assert.Null(state.OwedIndex);
            Assert.Null(state.RecoveryNote);
            Assert.Empty(Directory.GetFiles(Path.Combine(StateDir, "emitted")));
        }
    }

    [Fact]
    public void A_bundle_committed_normally_owes_nothing_and_keeps_no_index_copy()
    {
        var (emission, manifest) = Made(1, 0);
        using (var state = OutsideState.Open(StateDir))
        {
            state.AllocateGeneration();
            RecordBundle(state, emission, manifest);
            state.Commit(emission, state.StageManifest(emission.Generation, manifest), DateTimeOffset.UnixEpoch);
        }

        using var reopened = OutsideState.Open(StateDir);
        Assert.Null(reopened.RecoveryNote);
        Assert.Null(reopened.OwedIndex);
        Assert.Equal(1, reopened.Current.Generation);
        Assert.Empty(Directory.GetFiles(Path.Combine(StateDir, "emitted")));
    }

    [Fact]
    public void A_bundle_abandoned_before_it_was_visible_keeps_the_old_base_and_its_number_used()
    {
        var (first, firstManifest) = Made(1, 0);
        var (second, secondManifest) = Made(2, 1);
        using (var state = OutsideState.Open(StateDir))
        {
            state.AllocateGeneration();
            RecordBundle(state, first, firstManifest);
            state.Commit(first, state.StageManifest(first.Generation, firstManifest), DateTimeOffset.UnixEpoch);
            state.AllocateGeneration();
            RecordBundle(state, second, secondManifest);
            state.Abandon();
        }

        using var reopened = OutsideState.Open(StateDir);
        Assert.Null(reopened.RecoveryNote);
        Assert.Equal(1, reopened.Current.Generation);
        Assert.Equal(firstManifest, reopened.LoadLastManifest());
        Assert.Equal([Emission.Delivered, Emission.Abandoned], reopened.Current.History.Select(e => e.Outcome));
        Assert.Equal(3, reopened.AllocateGeneration());
    }

    /// <summary>
    /// Seen in review, confirmed through the outside-state fuzz target: above the last number (from state.json, or an
    /// answering inside's published generation over gRPC) the next one wrapped round to long.MinValue, and the state
    /// then recorded a negative generation as used.
    /// </summary>
    [Fact]
    public void No_generation_number_is_taken_above_the_last_one_there_is()
    {
        using var state = OutsideState.Open(StateDir);
        Assert.Equal(1, state.AllocateGeneration());

        var e = Assert.Throws<SyncException>(() => state.AllocateGeneration(atLeastAbove: long.MaxValue));
        Assert.Contains("no generation number", e.Message);
        Assert.Equal(1, state.LastGeneration);
        Assert.Equal(2, state.AllocateGeneration());
    }

    /// <summary>
    /// Found by the outside-state fuzz target: an interrupted export whose index copy was gone with emitted/ itself
    /// (cleaned up by hand) threw DirectoryNotFoundException at every open, so no export could run again.
    /// </summary>
    [Fact]
    public void An_interrupted_bundle_whose_index_copy_is_gone_with_its_folder_is_abandoned_not_an_error()
    {
        var (first, firstManifest) = Made(1, 0);
        using (var state = OutsideState.Open(StateDir))
        {
            state.AllocateGeneration();
            RecordBundle(state, first, firstManifest);
        }

        Directory.Delete(Path.Combine(StateDir, "emitted"), recursive: true);

        using var reopened = OutsideState.Open(StateDir);
        Assert.Contains("interrupted before anything of it was visible", reopened.RecoveryNote);
        Assert.Equal(0, reopened.Current.Generation);
        Assert.Null(reopened.Current.Pending);
        Assert.Equal(2, reopened.AllocateGeneration());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void An_interrupted_udp_send_counts_as_sent_only_if_its_spool_stream_was_complete(bool spooled)
    {
        var (emission, manifest) = Made(1, 0, Emission.Udp);
        var spool = Path.Combine(StateDir, "udp-spool", "g00000001.stream");
        using (var state = OutsideState.Open(StateDir))
        {
            state.AllocateGeneration();
            state.RecordSpooled(emission, state.StageManifest(emission.Generation, manifest), spool);
        }

        if (spooled)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(spool)!);
            File.WriteAllText(spool, "stream");
        }

        using var reopened = OutsideState.Open(StateDir);
        Assert.Equal(spooled ? 1 : 0, reopened.Current.Generation);
        Assert.Equal(spooled ? Emission.Sent : Emission.Abandoned, Assert.Single(reopened.Current.History).Outcome);
        Assert.Null(reopened.OwedIndex);
        Assert.Equal(2, reopened.AllocateGeneration());
    }

    [Fact]
    public void A_spool_outside_the_state_directory_cannot_resolve_an_emission()
    {
        var (emission, manifest) = Made(1, 0, Emission.Udp);
        using var state = OutsideState.Open(StateDir);
        Assert.Throws<ArgumentException>(() => state.RecordSpooled(emission, state.StageManifest(emission.Generation, manifest), _dir.Combine("drop", "g1.stream")));
    }

    [Fact]
    public void A_push_never_confirmed_keeps_its_manifest_for_the_next_push_but_moves_no_base()
    {
        var (emission, manifest) = Made(5, 4, Emission.Grpc);
        using (var state = OutsideState.Open(StateDir))
        {
            Assert.Equal(5, state.AllocateGeneration(atLeastAbove: 4));
            state.RecordSent(emission, state.StageManifest(emission.Generation, manifest));
        }

        using var reopened = OutsideState.Open(StateDir);
        Assert.Null(reopened.RecoveryNote);
        Assert.Equal(0, reopened.Current.Generation);
        Assert.Equal(manifest, reopened.FindManifest(5, emission.ManifestDigest));
        Assert.Equal(Emission.Unconfirmed, Assert.Single(reopened.Current.History).Outcome);
        reopened.Commit(emission, reopened.StageManifest(emission.Generation, manifest), DateTimeOffset.UnixEpoch);
        Assert.Equal(5, reopened.Current.Generation);
        Assert.Equal(Emission.Published, Assert.Single(reopened.Current.History).Outcome);
    }

    [Fact]
    public void State_written_before_the_emission_record_still_opens_and_its_numbers_stay_used()
    {
        Directory.CreateDirectory(StateDir);
        File.WriteAllText(Path.Combine(StateDir, "state.json"),
            """{ "generation": 7, "manifestDigest": "00", "lastStreamId": "ab", "exportedAt": "2026-01-01T00:00:00+00:00" }""");
        File.WriteAllText(Path.Combine(StateDir, "pending.json"),
            """{ "generation": 8, "manifestDigest": "00", "streamId": "cd", "deliveredWhenExists": "/nowhere/x.index" }""");

        using var state = OutsideState.Open(StateDir);
        Assert.Equal(7, state.Current.Generation);
        Assert.Contains("--full", state.RecoveryNote);
        Assert.False(File.Exists(Path.Combine(StateDir, "pending.json")));
        Assert.Equal(9, state.AllocateGeneration());
    }

    [Fact]
    public void Index_copies_no_record_names_are_removed()
    {
        Directory.CreateDirectory(Path.Combine(StateDir, "emitted"));
        File.WriteAllText(Path.Combine(StateDir, "emitted", "sync-g00000003.index"), "written, then killed before it was recorded");
        using var state = OutsideState.Open(StateDir);
        Assert.Empty(Directory.GetFiles(Path.Combine(StateDir, "emitted")));
    }

    [Fact]
    public void A_manifest_staged_by_an_export_that_never_finished_is_removed_on_the_next_open_and_a_recorded_one_stays()
    {
        var (emission, manifest) = Made(1, 0);
        using (var state = OutsideState.Open(StateDir))
        {
            state.AllocateGeneration();
            var recorded = state.StageManifest(emission.Generation, manifest);
            RecordBundle(state, emission, manifest);
            state.Commit(emission, recorded, DateTimeOffset.UnixEpoch);
            state.StageManifest(2, manifest); // then killed
        }

        using var reopened = OutsideState.Open(StateDir);
        Assert.Empty(Directory.GetFiles(Path.Combine(StateDir, "manifests"), "staged-*"));
        Assert.Equal(manifest, reopened.LoadLastManifest());
    }

    [Fact]
    public void The_last_manifest_is_parsed_as_it_is_read_and_a_damaged_or_missing_one_says_what_to_do()
    {
        var codec = ProtobufWireCodec.Instance;
        var bytes = codec.SerializeManifest(new Manifest(1, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000), [
            ManifestEntry.Directory("pool", 0x1ED, 1_000), ManifestEntry.Symlink("stable", "pool", 2_000)]));
        var emission = new Emission(1, 0, Digest.Compute(bytes).ToHex(), "stream", Emission.FileDrop, DateTimeOffset.UnixEpoch, Emission.Pending);
        using (var state = OutsideState.Open(StateDir))
        {
            Assert.Null(state.ParseLastManifest(codec, ManifestLimits.Default));
            Assert.Null(state.LastManifestSignature());
            state.AllocateGeneration();
            var recorded = state.StageManifest(1, bytes);
            RecordBundle(state, emission, bytes);
            state.Commit(emission, recorded, DateTimeOffset.UnixEpoch);
        }

        using var reopened = OutsideState.Open(StateDir);
        Assert.Equal(bytes, codec.SerializeManifest(reopened.ParseLastManifest(codec, ManifestLimits.Default)!));
        Assert.Equal(Digest.Compute(bytes), reopened.LastManifestDigest);
        Assert.Equal(bytes.Length, reopened.LastManifestSignature()!.BaseLength);

        var path = Path.Combine(StateDir, "manifests", "g00000001.manifest");
        var damaged = bytes.ToArray();
        damaged[^1] ^= 1;
        File.WriteAllBytes(path, damaged);
        Assert.Contains("generation 1 in the state directory is damaged; use --full", Assert.Throws<SyncException>(() => reopened.ParseLastManifest(codec, ManifestLimits.Default)).Message);
        Assert.Contains("is damaged; use --full", Assert.Throws<SyncException>(() => reopened.LastManifestSignature()).Message);
        File.Delete(path);
        Assert.Contains("lacks the manifest of generation 1", Assert.Throws<SyncException>(() => reopened.ParseLastManifest(codec, ManifestLimits.Default)).Message);
    }

    [Fact]
    public void The_history_keeps_the_latest_emissions()
    {
        using var state = OutsideState.Open(StateDir);
        for (var g = 1; g <= 40; g++)
        {
            var (emission, manifest) = Made(state.AllocateGeneration(), g - 1);
            RecordBundle(state, emission, manifest);
            state.Commit(emission, state.StageManifest(emission.Generation, manifest), DateTimeOffset.UnixEpoch);
        }

        Assert.Equal(Enumerable.Range(9, 32).Select(g => (long)g), state.Current.History.Select(e => e.Generation));
    }
}
