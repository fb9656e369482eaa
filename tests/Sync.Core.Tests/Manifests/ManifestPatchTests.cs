using Sync.Core.Delta;
using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Core.Paths;
using Sync.Protocol;

namespace Sync.Core.Tests.Manifests;

/// <summary>
/// A delta's manifest as a patch against the base manifest: rebuilt byte for byte, a fraction of the manifest for a
/// day that changes a few entries, sent whole when a patch would not pay, and every op the inside cannot trust
/// refused before it writes out of bounds.
/// </summary>
public sealed class ManifestPatchTests
{
    [Fact]
    public async Task A_one_percent_day_rebuilds_exactly_from_a_small_fraction_of_the_manifest()
    {
        var day1 = MirrorManifest(1, 20_000, changed: _ => false);
        var day2 = MirrorManifest(2, 20_000, changed: i => i % 100 == 7, added: 200, removedEvery: 500);
        var baseBytes = ProtobufWireCodec.Instance.SerializeManifest(day1);
        var targetBytes = ProtobufWireCodec.Instance.SerializeManifest(day2);

        var ops = await ManifestPatch.EncodeAsync(baseBytes, targetBytes, CancellationToken.None);

        Assert.NotNull(ops);
        var wire = ManifestPatch.WireBytes(ops);
        // 200 changed + 200 added + 40 removed entries of ~150 bytes each, in a manifest of ~3 MB.
        Assert.True(wire < targetBytes.Length / 20, $"patch of {wire} bytes for a manifest of {targetBytes.Length}");
        Assert.Equal(targetBytes, Rebuild(baseBytes, targetBytes, ops));
    }

    [Fact]
    public async Task A_base_read_from_a_stream_in_slices_gives_the_same_patch_as_its_bytes()
    {
        // The outside reads the last export's manifest from its state file in 1 MiB slices; 3 MB crosses several.
        var baseBytes = ProtobufWireCodec.Instance.SerializeManifest(MirrorManifest(1, 20_000, changed: _ => false));
        var targetBytes = ProtobufWireCodec.Instance.SerializeManifest(MirrorManifest(2, 20_000, changed: i => i % 50 == 3, added: 100));
        var fromBytes = await ManifestPatch.EncodeAsync(baseBytes, targetBytes, CancellationToken.None);

        using var baseStream = new MemoryStream(baseBytes);
        var signature = ManifestPatch.SignatureOf(baseStream, baseBytes.Length);
        using var targetStream = new MemoryStream(targetBytes);
        var fromStream = await ManifestPatch.EncodeAsync(signature, targetStream, targetBytes.Length, CancellationToken.None);

        Assert.NotNull(fromStream);
        Assert.Equal(Describe(fromBytes!), Describe(fromStream));
        Assert.Equal(targetBytes, Rebuild(baseBytes, targetBytes, fromStream));
        // A base shorter than its state says is refused, not patched against.
        Assert.Throws<IOException>(() => ManifestPatch.SignatureOf(new MemoryStream(baseBytes[..^1]), baseBytes.Length));

        static string[] Describe(IReadOnlyList<DeltaOp> ops) =>
            [.. ops.Select(op => op.IsCopy ? $"copy {op.BaseOffset}+{op.Length}" : $"literal {Convert.ToHexString(op.Data.Span)}")];
    }

    [Fact]
    public async Task A_manifest_that_shares_nothing_with_its_base_is_sent_whole()
    {
        var baseBytes = ProtobufWireCodec.Instance.SerializeManifest(MirrorManifest(1, 2_000, _ => false));
        var other = ProtobufWireCodec.Instance.SerializeManifest(MirrorManifest(2, 2_000, _ => true, seed: 99));

        Assert.Null(await ManifestPatch.EncodeAsync(baseBytes, other, CancellationToken.None));
        Assert.Null(await ManifestPatch.EncodeAsync(ReadOnlyMemory<byte>.Empty, other, CancellationToken.None));
    }

    [Fact]
    public void The_applier_refuses_ops_outside_the_base_or_past_the_signed_size_and_a_short_patch()
    {
        var baseBytes = new byte[100];

        var pastBase = Applier(baseBytes, new byte[200], out _);
        Assert.Contains("copies bytes 90+20", Assert.Throws<SyncException>(() => pastBase.Apply(DeltaOp.Copy(90, 20))).Message, StringComparison.Ordinal);

        var pastSize = Applier(baseBytes, new byte[50], out var written);
        pastSize.Apply(DeltaOp.Copy(0, 40));
        Assert.Contains("past the manifest's signed size", Assert.Throws<SyncException>(() => pastSize.Apply(DeltaOp.Literal(new byte[11]))).Message, StringComparison.Ordinal);
        Assert.Equal(40, written.Length); // nothing of the refused op reached the file

        var short_ = Applier(baseBytes, new byte[50], out _);
        short_.Apply(DeltaOp.Copy(0, 49));
        var refused = Assert.Throws<SyncException>(short_.Finish);
        Assert.Equal(SyncErrorKind.Refused, refused.Kind);
        Assert.Contains("ends at 49 of 50 bytes", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rebuilt_manifest_that_differs_from_its_signed_digest_is_refused()
    {
        var baseBytes = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        var signed = baseBytes[..200];

        var altered = Applier(baseBytes, signed, out _);
        altered.Apply(DeltaOp.Copy(1, 200)); // right size, wrong bytes
        var refused = Assert.Throws<SyncException>(altered.Finish);
        Assert.Equal(RefusalKind.Damaged, refused.Refusal);
        Assert.Contains("does not match its signed digest", refused.Message, StringComparison.Ordinal);

        var intact = Applier(baseBytes, signed, out var written);
        intact.Apply(DeltaOp.Copy(0, 150));
        intact.Apply(DeltaOp.Literal(signed[150..]));
        intact.Finish();
        Assert.Equal(signed, written.ToArray());
    }

    [Fact]
    public void A_manifest_received_in_slices_is_refused_when_longer_shorter_or_other_than_signed()
    {
        var signed = Enumerable.Range(0, 100).Select(i => (byte)(i * 7)).ToArray();
        using var longer = Incoming(signed, out _);
        longer.Append(signed);
        Assert.Contains("longer than its signed size", Assert.Throws<SyncException>(() => longer.Append(new byte[1])).Message, StringComparison.Ordinal);

        using var shorter = Incoming(signed, out _);
        shorter.Append(signed.AsSpan(0, 99));
        Assert.Contains("manifest truncated at 99 of 100 bytes", Assert.Throws<SyncException>(() => shorter.Finish()).Message, StringComparison.Ordinal);

        using var other = Incoming(signed, out _);
        other.Append(signed.Reverse().ToArray());
        Assert.Contains("does not match its signed digest", Assert.Throws<SyncException>(() => other.Finish()).Message, StringComparison.Ordinal);

        using var intact = Incoming(signed, out var written);
        intact.Append(signed.AsSpan(0, 60));
        intact.Append(signed.AsSpan(60));
        intact.Finish();
        Assert.Equal(signed, written.ToArray());
    }

    private static IncomingManifest Incoming(byte[] signed, out MemoryStream written)
    {
        written = new MemoryStream();
        return new IncomingManifest(written, signed.Length, Digest.Compute(signed), "generation 2");
    }

    private static ManifestPatchApplier Applier(byte[] baseBytes, byte[] signed, out MemoryStream written) =>
        new(new MemoryStream(baseBytes, writable: false), Incoming(signed, out written), "generation 2");

    private static byte[] Rebuild(byte[] baseBytes, byte[] signed, IReadOnlyList<DeltaOp> ops)
    {
        var applier = Applier(baseBytes, signed, out var written);
        foreach (var op in ops)
        {
            applier.Apply(op);
        }

        applier.Finish();
        return written.ToArray();
    }

    /// <summary>A pool of .deb entries sorted by path, as a mirror's manifest lists them.</summary>
    private static Manifest MirrorManifest(long generation, int packages, Func<int, bool> changed, int added = 0, int removedEvery = 0, int seed = 1)
    {
        var entries = new List<ManifestEntry>();
        for (var i = 0; i < packages + added; i++)
        {
            if (removedEvery > 0 && i % removedEvery == 3 && i < packages)
            {
                continue;
            }

            var version = changed(i) ? 2 : 1;
            var chunk = Digest.Compute(BitConverter.GetBytes((long)i * 7919 + version + seed * 1_000_003L));
            var size = 10_000 + (i * 37 % 5_000);
            entries.Add(new ManifestEntry(
                $"pool/main/{(char)('a' + i % 26)}/pkg{i:D6}/pkg{i:D6}_{version}.0_amd64.deb",
                EntryKind.File, 0x1A4, 1_700_000_000_000_000_000L + i, size, Digest.Compute(chunk.ToArray()), [new ChunkRef(chunk, size)], null));
        }

        entries.Sort((a, b) => RelativePath.Compare(a.Path, b.Path));
        return new Manifest(generation, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000 + generation), entries);
    }
}
