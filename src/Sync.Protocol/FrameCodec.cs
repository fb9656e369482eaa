using Google.Protobuf;
using Sync.Core;
using Sync.Core.Delta;
using Sync.Core.Hashing;
using Sync.Core.Streams;
using Sync.Core.Trust;
using Sync.Protocol.Internal;

namespace Sync.Protocol;

/// <summary>
/// The frame encoding every byte-stream carrier uses: each frame is a 4-byte little-endian length N followed by N
/// bytes of a <see cref="V1.Frame"/>. This class maps domain frames to and from the wire message and holds the rules
/// both directions share (what a valid chunk, patch op or end frame is); <see cref="Decode"/> hands the hot path to
/// <see cref="FrameBodyDecoder"/>, and <see cref="PipeFrameWriter"/> and <see cref="PipeFrameReader"/> move frames through a
/// pipe. Stateless and thread-safe.
/// </summary>
public static class FrameCodec
{
    public const int LengthPrefixBytes = 4;

    /// <summary>The largest frame body: a chunk or patch frame is at most ~8 MiB plus a little overhead.</summary>
    public const int MaxFrameBytes = 16 << 20;

    /// <summary>
    /// The wire message for a domain frame. Chunk data and literals are wrapped, not copied, so the message
    /// is valid only as long as the frame's memory is.
    /// </summary>
    public static V1.Frame ToWire(DeltaFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return frame switch
        {
            HeaderFrame h => new V1.Frame { Header = ToWire(h.Header) },
            ManifestSliceFrame s => new V1.Frame { ManifestSlice = UnsafeByteOperations.UnsafeWrap(s.Data) },
            ContentBeginFrame b => new V1.Frame
            {
                ContentBegin = new V1.ContentBegin
                {
                    Digest = WireDigest.ToByteString(b.Digest),
                    PatchBaseDigest = WireDigest.ToByteString(b.PatchBase),
                },
            },
            ChunkFrame c => new V1.Frame
            {
                Chunk = new V1.ChunkData { Digest = WireDigest.ToByteString(c.Digest), Data = UnsafeByteOperations.UnsafeWrap(c.Data) },
            },
            PatchFrame p => new V1.Frame { Patch = ToWire(p) },
            RecompressFrame r => new V1.Frame { Recompress = RecompressWire.ToWire(r) },
            EndFrame e => new V1.Frame
            {
                End = new V1.StreamEnd
                {
                    ContentCount = NonNegative(e.ContentCount, "end frame content count"),
                    FrameCount = NonNegative(e.FrameCount, "end frame frame count"),
                },
            },
            _ => throw new ArgumentException($"cannot encode a frame of type {frame.GetType().Name}", nameof(frame)),
        };
    }

    /// <summary>
    /// The domain frame for a wire message received whole (by a message-based carrier). Memory in the result
    /// references the message's byte strings. Refuses anything malformed, with the same rules as <see cref="Decode"/>.
    /// </summary>
    public static DeltaFrame FromWire(V1.Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        switch (frame.BodyCase)
        {
            case V1.Frame.BodyOneofCase.Header:
                return new HeaderFrame(new SignedPayload(
                    frame.Header.Payload.ToByteArray(), frame.Header.KeyId.ToByteArray(), frame.Header.Signature.ToByteArray()));
            case V1.Frame.BodyOneofCase.ManifestSlice:
                return new ManifestSliceFrame(frame.ManifestSlice.Memory);
            case V1.Frame.BodyOneofCase.ContentBegin:
                return MakeContentBegin(frame.ContentBegin.Digest.Span, frame.ContentBegin.PatchBaseDigest.Span);
            case V1.Frame.BodyOneofCase.Chunk:
                return MakeChunk(frame.Chunk.Digest.Span, frame.Chunk.Data.Memory);
            case V1.Frame.BodyOneofCase.Patch:
                CheckPatchOps(frame.Patch.Ops.Count);
                var ops = new DeltaOp[frame.Patch.Ops.Count];
                for (var i = 0; i < ops.Length; i++)
                {
                    var op = frame.Patch.Ops[i];
                    ops[i] = MakeOp(op.CopyOffset, op.CopyLength, op.Literal.Memory);
                }

                return new PatchFrame(ops, frame.Patch.Last);
            case V1.Frame.BodyOneofCase.End:
                return MakeEnd(frame.End.ContentCount, frame.End.FrameCount);
            case V1.Frame.BodyOneofCase.Recompress:
                return RecompressWire.FromWire(frame.Recompress);
            default:
                throw NoBody();
        }
    }

    /// <summary>
    /// Decodes one frame body (without its length prefix): chunk data, manifest slices and patch literals in the
    /// result are slices of <paramref name="body"/>. See <see cref="FrameBodyDecoder"/>.
    /// </summary>
    public static DeltaFrame Decode(ReadOnlyMemory<byte> body) => FrameBodyDecoder.Decode(body);

    /// <summary>The encoded size of a frame including its length prefix.</summary>
    public static int EncodedSize(V1.Frame frame) => LengthPrefixBytes + frame.CalculateSize();

    private static V1.Signed ToWire(SignedPayload signed) => new()
    {
        Payload = UnsafeByteOperations.UnsafeWrap(signed.Payload),
        KeyId = UnsafeByteOperations.UnsafeWrap(signed.KeyId),
        Signature = UnsafeByteOperations.UnsafeWrap(signed.Signature),
    };

    private static V1.PatchOps ToWire(PatchFrame patch)
    {
        var wire = new V1.PatchOps { Last = patch.Last };
        foreach (var op in patch.Ops)
        {
            if (op.IsCopy)
            {
                wire.Ops.Add(new V1.PatchOp { CopyOffset = NonNegative(op.BaseOffset, "patch copy offset"), CopyLength = (uint)Positive(op.Length, "patch copy length") });
            }
            else if (!op.Data.IsEmpty)
            {
                // An empty literal (default(DeltaOp)) is a no-op and is left out: on the wire it would read as a copy.
                wire.Ops.Add(new V1.PatchOp { Literal = UnsafeByteOperations.UnsafeWrap(op.Data) });
            }
        }

        return wire;
    }

    internal static ContentBeginFrame MakeContentBegin(ReadOnlySpan<byte> digest, ReadOnlySpan<byte> patchBase) =>
        new(WireDigest.ReadRequired(digest, "content digest"), WireDigest.Read(patchBase, "patch base digest"));

    internal static ChunkFrame MakeChunk(ReadOnlySpan<byte> digest, ReadOnlyMemory<byte> data)
    {
        if (data.IsEmpty)
        {
            throw SyncException.Refused("chunk frame carries no data");
        }

        return new ChunkFrame(WireDigest.ReadRequired(digest, "chunk digest"), data);
    }

    internal static DeltaOp MakeOp(ulong copyOffset, uint copyLength, ReadOnlyMemory<byte> literal)
    {
        if (!literal.IsEmpty)
        {
            if (copyOffset != 0 || copyLength != 0)
            {
                throw SyncException.Refused("patch op has both a literal and a copy");
            }

            return DeltaOp.Literal(literal);
        }

        if (copyLength == 0 || copyLength > int.MaxValue)
        {
            throw SyncException.Refused($"patch copy of {copyLength} bytes");
        }

        if (copyOffset > long.MaxValue)
        {
            throw SyncException.Refused($"patch copy offset {copyOffset} out of range");
        }

        return DeltaOp.Copy((long)copyOffset, (int)copyLength);
    }

    internal static EndFrame MakeEnd(ulong contentCount, ulong frameCount)
    {
        if (contentCount > long.MaxValue || frameCount > long.MaxValue)
        {
            throw SyncException.Refused("end frame counts out of range");
        }

        return new EndFrame((long)contentCount, (long)frameCount);
    }

    internal static void CheckPatchOps(int count)
    {
        if (count > PatchFrame.MaxOps)
        {
            throw SyncException.Refused($"patch frame holds more than {PatchFrame.MaxOps} operations");
        }
    }

    internal static SyncException NoBody() =>
        SyncException.Refused("frame has no body (empty, or a kind from a newer format)");

    private static ulong NonNegative(long value, string what) =>
        value >= 0 ? (ulong)value : throw new ArgumentOutOfRangeException(nameof(value), value, $"{what} must not be negative");

    private static int Positive(int value, string what) =>
        value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, $"{what} must be positive");
}
