using Sync.Core.Hashing;
using Sync.Core.Streams;
using Sync.Core.Trust;
using Sync.Protocol;

namespace Sync.Benchmarks.Frames;

/// <summary>
/// The frames of a realistic delta: a header, a 1 MiB manifest in 16 KiB slices, then 32 contents of one
/// 1 MiB chunk each (a content-begin frame before each), and the end frame. About 33 MiB per stream.
/// </summary>
internal static class FrameMix
{
    public const int ChunkBytes = 1 << 20;
    public const int Chunks = 32;
    public const int SliceBytes = 16 << 10;
    public const int Slices = 64;

    /// <summary>The stream's size on the wire, length prefixes included.</summary>
    public static long EncodedBytes { get; } = Create().Sum(f => (long)FrameCodec.EncodedSize(FrameCodec.ToWire(f)));

    public static IReadOnlyList<DeltaFrame> Create()
    {
        var random = new Random(12);
        var frames = new List<DeltaFrame> { new HeaderFrame(new SignedPayload(Fill(random, 200), Fill(random, 8), Fill(random, 64))) };
        for (var i = 0; i < Slices; i++)
        {
            frames.Add(new ManifestSliceFrame(Fill(random, SliceBytes)));
        }

        for (var i = 0; i < Chunks; i++)
        {
            var data = Fill(random, ChunkBytes);
            var digest = Digest.Compute(data);
            frames.Add(new ContentBeginFrame(digest, Digest.Empty));
            frames.Add(new ChunkFrame(digest, data));
        }

        frames.Add(new EndFrame(Chunks, frames.Count + 1));
        return frames;
    }

    private static byte[] Fill(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
