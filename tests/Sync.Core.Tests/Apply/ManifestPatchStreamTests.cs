using Sync.Core.Delta;
using Sync.Core.Streams;
using Sync.Testing.Streams;

namespace Sync.Core.Tests.Apply;

/// <summary>
/// A delta generation carries its manifest as a patch against the base's: what the real exporter writes for a small
/// change is a few hundred bytes of patch, the inside rebuilds and publishes it, and a patch altered on the way is
/// refused by the signed digest with nothing published.
/// </summary>
public sealed class ManifestPatchStreamTests : IDisposable
{
    private readonly StreamHarness _harness = new("sync-manifest-patch-");

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task A_delta_carries_its_manifest_as_a_small_patch_and_publishes()
    {
        var (first, second) = await TwoGenerationsAsync();

        Assert.Equal(DeltaHeader.SlicedManifestFormat, Header(first).FormatVersion); // a full generation: whole
        Assert.Equal(DeltaHeader.PatchedManifestFormat, Header(second).FormatVersion);
        Assert.Empty(second.Stream.Frames.OfType<ManifestSliceFrame>());
        var manifestFrames = ManifestSection(second);
        var literalBytes = manifestFrames.SelectMany(p => p.Ops).Where(op => !op.IsCopy).Sum(op => op.Length);
        var manifestBytes = first.Stream.Frames.OfType<ManifestSliceFrame>().Sum(f => f.Data.Length);
        Assert.True(literalBytes * 10 < manifestBytes, $"{literalBytes} literal bytes for a manifest of about {manifestBytes}");

        var fs = StreamHarness.NewFileSystem();
        await _harness.ApplyAsync(fs, first);
        await _harness.ApplyAsync(fs, second);
        await StreamHarness.AssertPublishedAsync(fs, second.Manifest);
    }

    [Fact]
    public async Task A_manifest_patch_altered_on_the_way_is_refused_and_nothing_is_published()
    {
        var (first, second) = await TwoGenerationsAsync();
        var patch = ManifestSection(second).First(p => p.Ops.Any(op => !op.IsCopy));
        var index = Array.FindIndex(patch.Ops.ToArray(), op => !op.IsCopy);
        var altered = patch.Ops[index].Data.ToArray();
        altered[0] ^= 0x01;
        var ops = patch.Ops.ToArray();
        ops[index] = DeltaOp.Literal(altered);
        second.Stream.Frames[second.Stream.Frames.IndexOf(patch)] = patch with { Ops = ops };

        var fs = StreamHarness.NewFileSystem();
        await _harness.ApplyAsync(fs, first);
        var refused = await Assert.ThrowsAsync<SyncException>(() => _harness.ApplyAsync(fs, second));

        Assert.Equal(SyncErrorKind.Refused, refused.Kind);
        Assert.Contains("manifest does not match its signed digest", refused.Message, StringComparison.Ordinal);
        await StreamHarness.AssertPublishedAsync(fs, first.Manifest);
    }

    private async Task<(PowerLossTests.Generation First, PowerLossTests.Generation Second)> TwoGenerationsAsync()
    {
        for (var i = 0; i < 300; i++)
        {
            _harness.Write($"pool/main/p{i % 30}/pkg{i}_1.deb", i);
        }

        var first = await _harness.ExportAsync();
        _harness.Write("pool/main/p3/pkg3_2.deb", 5000);
        File.Delete(Path.Combine(_harness.Source, "pool/main/p4/pkg4_1.deb"));
        var second = await _harness.ExportAsync();
        return (first, second);
    }

    private static DeltaHeader Header(PowerLossTests.Generation generation) =>
        Sync.Protocol.ProtobufWireCodec.Instance.ParseHeader(((HeaderFrame)generation.Stream.Frames[0]).Header.Payload);

    /// <summary>The patch frames between the header and the first content.</summary>
    private static List<PatchFrame> ManifestSection(PowerLossTests.Generation generation) =>
        generation.Stream.Frames.Skip(1).TakeWhile(f => f is PatchFrame).Cast<PatchFrame>().ToList();
}
