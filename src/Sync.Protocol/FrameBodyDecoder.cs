using Sync.Core;
using Sync.Core.Delta;
using Sync.Core.Streams;
using Sync.Core.Trust;
using Sync.Protocol.Internal;

namespace Sync.Protocol;

/// <summary>
/// The inside's hot path: a strict hand-written parser of one <see cref="V1.Frame"/> body that returns chunk data,
/// manifest slices and patch literals as slices of the body it was given, so no content byte is copied (the
/// generated parser would copy each into a ByteString). Field numbers are the generated *FieldNumber constants, so
/// the parser and frames.proto cannot disagree; unknown fields are skipped as protobuf requires, a known field of the
/// wrong wire type is refused. Stateless and thread-safe.
/// </summary>
internal static class FrameBodyDecoder
{
    /// <summary>
    /// Decodes one frame body (without its length prefix). Chunk data, manifest slices and patch literals in
    /// the result are slices of <paramref name="body"/>; header bytes are copied (they outlive the buffer).
    /// Refuses anything malformed: a body that is not exactly one frame, a digest of the wrong length, a value
    /// out of range.
    /// </summary>
    public static DeltaFrame Decode(ReadOnlyMemory<byte> body)
    {
        var reader = new WireReader(body.Span);
        DeltaFrame? frame = null;
        while (reader.TryReadKey(out var field, out var wireType))
        {
            if (field is < V1.Frame.HeaderFieldNumber or > V1.Frame.RecompressPatchedFieldNumber)
            {
                reader.Skip(wireType);
                continue;
            }

            WireReader.Expect(field, wireType, WireReader.LengthDelimited);
            var (offset, length) = reader.ReadLengthDelimited();
            if (frame is not null)
            {
                throw SyncException.Refused("frame has more than one body");
            }

            var part = body.Slice(offset, length);
            frame = field switch
            {
                V1.Frame.HeaderFieldNumber => DecodeSigned(part.Span),
                V1.Frame.ManifestSliceFieldNumber => new ManifestSliceFrame(part),
                V1.Frame.ContentBeginFieldNumber => DecodeContentBegin(part.Span),
                V1.Frame.ChunkFieldNumber => DecodeChunk(part),
                V1.Frame.PatchFieldNumber => DecodePatch(part),
                V1.Frame.RecompressFieldNumber => RecompressWire.Decode(part.Span),
                V1.Frame.RecompressPatchedFieldNumber => RecompressWire.Decode(part.Span) with { PlainPatch = true },
                _ => DecodeEnd(part.Span),
            };
        }

        return frame ?? throw FrameCodec.NoBody();
    }

    private static HeaderFrame DecodeSigned(ReadOnlySpan<byte> span)
    {
        var reader = new WireReader(span);
        ReadOnlySpan<byte> payload = default, keyId = default, signature = default;
        while (reader.TryReadKey(out var field, out var wireType))
        {
            if (field is < V1.Signed.PayloadFieldNumber or > V1.Signed.SignatureFieldNumber)
            {
                reader.Skip(wireType);
                continue;
            }

            WireReader.Expect(field, wireType, WireReader.LengthDelimited);
            var (offset, length) = reader.ReadLengthDelimited();
            var value = span.Slice(offset, length);
            switch (field)
            {
                case V1.Signed.PayloadFieldNumber:
                    payload = value;
                    break;
                case V1.Signed.KeyIdFieldNumber:
                    keyId = value;
                    break;
                default:
                    signature = value;
                    break;
            }
        }

        return new HeaderFrame(new SignedPayload(payload.ToArray(), keyId.ToArray(), signature.ToArray()));
    }

    private static ContentBeginFrame DecodeContentBegin(ReadOnlySpan<byte> span)
    {
        var reader = new WireReader(span);
        ReadOnlySpan<byte> digest = default, patchBase = default;
        while (reader.TryReadKey(out var field, out var wireType))
        {
            if (field is not (V1.ContentBegin.DigestFieldNumber or V1.ContentBegin.PatchBaseDigestFieldNumber))
            {
                reader.Skip(wireType);
                continue;
            }

            WireReader.Expect(field, wireType, WireReader.LengthDelimited);
            var (offset, length) = reader.ReadLengthDelimited();
            if (field == V1.ContentBegin.DigestFieldNumber)
            {
                digest = span.Slice(offset, length);
            }
            else
            {
                patchBase = span.Slice(offset, length);
            }
        }

        return FrameCodec.MakeContentBegin(digest, patchBase);
    }

    private static ChunkFrame DecodeChunk(ReadOnlyMemory<byte> memory)
    {
        var reader = new WireReader(memory.Span);
        ReadOnlyMemory<byte> digest = default, data = default;
        while (reader.TryReadKey(out var field, out var wireType))
        {
            if (field is not (V1.ChunkData.DigestFieldNumber or V1.ChunkData.DataFieldNumber))
            {
                reader.Skip(wireType);
                continue;
            }

            WireReader.Expect(field, wireType, WireReader.LengthDelimited);
            var (offset, length) = reader.ReadLengthDelimited();
            if (field == V1.ChunkData.DigestFieldNumber)
            {
                digest = memory.Slice(offset, length);
            }
            else
            {
                data = memory.Slice(offset, length);
            }
        }

        return FrameCodec.MakeChunk(digest.Span, data);
    }

    private static PatchFrame DecodePatch(ReadOnlyMemory<byte> memory)
    {
        // Two passes: count the ops first so the op array is allocated once at its exact size.
        var count = 0;
        var last = false;
        var reader = new WireReader(memory.Span);
        while (reader.TryReadKey(out var field, out var wireType))
        {
            if (field == V1.PatchOps.OpsFieldNumber)
            {
                WireReader.Expect(field, wireType, WireReader.LengthDelimited);
                _ = reader.ReadLengthDelimited();
                FrameCodec.CheckPatchOps(++count);
            }
            else if (field == V1.PatchOps.LastFieldNumber)
            {
                WireReader.Expect(field, wireType, WireReader.Varint);
                last = reader.ReadVarint() != 0;
            }
            else
            {
                reader.Skip(wireType);
            }
        }

        var ops = new DeltaOp[count];
        var index = 0;
        reader = new WireReader(memory.Span);
        while (reader.TryReadKey(out var field, out var wireType))
        {
            if (field == V1.PatchOps.OpsFieldNumber)
            {
                var (offset, length) = reader.ReadLengthDelimited();
                ops[index++] = DecodeOp(memory.Slice(offset, length));
            }
            else
            {
                reader.Skip(wireType);
            }
        }

        return new PatchFrame(ops, last);
    }

    private static DeltaOp DecodeOp(ReadOnlyMemory<byte> memory)
    {
        var reader = new WireReader(memory.Span);
        ulong copyOffset = 0, copyLength = 0;
        ReadOnlyMemory<byte> literal = default;
        while (reader.TryReadKey(out var field, out var wireType))
        {
            switch (field)
            {
                case V1.PatchOp.CopyOffsetFieldNumber:
                    WireReader.Expect(field, wireType, WireReader.Varint);
                    copyOffset = reader.ReadVarint();
                    break;
                case V1.PatchOp.CopyLengthFieldNumber:
                    WireReader.Expect(field, wireType, WireReader.Varint);
                    copyLength = reader.ReadVarint();
                    if (copyLength > uint.MaxValue)
                    {
                        throw WireReader.Malformed("patch copy length does not fit 32 bits");
                    }

                    break;
                case V1.PatchOp.LiteralFieldNumber:
                    WireReader.Expect(field, wireType, WireReader.LengthDelimited);
                    var (offset, length) = reader.ReadLengthDelimited();
                    literal = memory.Slice(offset, length);
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }

        return FrameCodec.MakeOp(copyOffset, (uint)copyLength, literal);
    }

    private static EndFrame DecodeEnd(ReadOnlySpan<byte> span)
    {
        var reader = new WireReader(span);
        ulong contentCount = 0, frameCount = 0;
        while (reader.TryReadKey(out var field, out var wireType))
        {
            if (field is V1.StreamEnd.ContentCountFieldNumber or V1.StreamEnd.FrameCountFieldNumber)
            {
                WireReader.Expect(field, wireType, WireReader.Varint);
                var value = reader.ReadVarint();
                if (field == V1.StreamEnd.ContentCountFieldNumber)
                {
                    contentCount = value;
                }
                else
                {
                    frameCount = value;
                }
            }
            else
            {
                reader.Skip(wireType);
            }
        }

        return FrameCodec.MakeEnd(contentCount, frameCount);
    }
}
