using Sync.Core.Delta;
using Sync.Core.Hashing;
using Sync.Core.Trust;

namespace Sync.Core.Streams;

/// <summary>
/// One unit of the delta stream every carrier moves: a signed header, manifest slices, then for each content
/// the inside lacks a ContentBegin followed by its missing chunks or its patch, then an end marker.
/// Memory inside a frame belongs to the source that produced it and is valid until its next read.
/// </summary>
public abstract record DeltaFrame;

public sealed record HeaderFrame(SignedPayload Header) : DeltaFrame;

public sealed record ManifestSliceFrame(ReadOnlyMemory<byte> Data) : DeltaFrame;

/// <summary>Starts a content. An empty <paramref name="PatchBase"/> means: built from its chunk list.</summary>
public sealed record ContentBeginFrame(Digest Digest, Digest PatchBase) : DeltaFrame;

public sealed record ChunkFrame(Digest Digest, ReadOnlyMemory<byte> Data) : DeltaFrame;

public sealed record PatchFrame(IReadOnlyList<DeltaOp> Ops, bool Last) : DeltaFrame
{
    /// <summary>
    /// The most operations one frame may hold: the outside writes at most 8192, and a decoder refuses more before it
    /// allocates them (a 16 MiB frame of four-byte copies would otherwise become four million of them).
    /// </summary>
    public const int MaxOps = 65_536;
}

public sealed record EndFrame(long ContentCount, long FrameCount) : DeltaFrame;

/// <summary>
/// A whole content rebuilt by compressing the content <paramref name="Source"/> (which the inside holds, or this stream
/// carried before) with <paramref name="Setting"/>; checked against the signed manifest like any other content.
/// </summary>
public sealed record RecompressFrame(Digest Digest, Digest Source, Compression.CompressionSetting Setting) : DeltaFrame
{
    /// <summary>
    /// For an index shipped only compressed: <see cref="Source"/> is the older compressed content the inside holds, and
    /// the patch frames that follow turn its plain text into the plain text to compress.
    /// </summary>
    public bool PlainPatch { get; init; }
}
