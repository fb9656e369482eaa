using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Grpc.Core;
using Sync.Protocol.V1;

namespace Sync.Transport.Grpc;

/// <summary>
/// How the inside reads the outside's messages off the wire. Google.Protobuf parses a <c>bytes</c> field into a new
/// array; a chunk is 512 KiB on average, so every chunk of a push or pull cost a large-object allocation, its zeroing
/// and the collections that follow (a seventh of the inside's CPU in a 2 GiB push). A message that is exactly one chunk
/// frame is decoded here instead, its data copied into an array from <see cref="ArrayPool{T}.Shared"/> and wrapped
/// without a copy; every other message goes to the generated parser. <see cref="Return"/> gives the array back once
/// the frame is consumed (a frame's memory is valid until the source's next read, <see cref="Sync.Core.Streams.DeltaFrame"/>);
/// an array never returned (a call cut mid-stream) is left to the collector.
/// </summary>
internal static class PooledChunkMessages
{
    // OutsideMessage.frame, Frame.chunk, ChunkData.digest and ChunkData.data, all length-delimited.
    private const uint FrameTag = (OutsideMessage.FrameFieldNumber << 3) | 2;
    private const uint ChunkTag = (Frame.ChunkFieldNumber << 3) | 2;
    private const uint DigestTag = (ChunkData.DigestFieldNumber << 3) | 2;
    private const uint DataTag = (ChunkData.DataFieldNumber << 3) | 2;

    // The arrays this class lent and has not had back; weak, so a lost one costs nothing.
    private static readonly ConditionalWeakTable<byte[], object> Lent = new();
    private static readonly object LentMarker = new();

    public static readonly Marshaller<OutsideMessage> OutsideMessages = new(Serialize, Deserialize);

    private static readonly Marshaller<InsideMessage> InsideMessages = new(Serialize, context => InsideMessage.Parser.ParseFrom(context.PayloadAsReadOnlySequence()));

    /// <summary>The inside's Push (it serves, the outside calls), reading chunks into pooled arrays.</summary>
    public static readonly Method<OutsideMessage, InsideMessage> Push = new(
        MethodType.DuplexStreaming, InsideEndpoint.Descriptor.FullName, "Push", OutsideMessages, InsideMessages);

    /// <summary>The outside's Pull as the inside calls it, reading chunks into pooled arrays.</summary>
    public static readonly Method<InsideMessage, OutsideMessage> Pull = new(
        MethodType.DuplexStreaming, OutsideEndpoint.Descriptor.FullName, "Pull", InsideMessages, OutsideMessages);

    /// <summary>Gives back the array under a chunk message this class decoded; anything else is left alone.</summary>
    public static void Return(OutsideMessage? message)
    {
        if (message?.Frame?.Chunk?.Data is { } data
            && MemoryMarshal.TryGetArray(data.Memory, out var segment)
            && segment.Array is { } array
            && Lent.Remove(array))
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    internal static OutsideMessage Deserialize(DeserializationContext context) => Decode(context.PayloadAsReadOnlySequence());

    internal static OutsideMessage Decode(ReadOnlySequence<byte> payload) =>
        TryDecodeChunk(payload) ?? OutsideMessage.Parser.ParseFrom(payload);

    private static void Serialize<T>(T message, SerializationContext context)
        where T : IMessage<T>
    {
        context.SetPayloadLength(message.CalculateSize());
        message.WriteTo(context.GetBufferWriter());
        context.Complete();
    }

    /// <summary>The message if it is one chunk frame and nothing else, laid out as the outside writes it; else null.</summary>
    private static OutsideMessage? TryDecodeChunk(ReadOnlySequence<byte> payload)
    {
        var reader = new SequenceReader<byte>(payload);
        if (!TryReadField(ref reader, FrameTag, out long frameLength) || frameLength != reader.Remaining
            || !TryReadField(ref reader, ChunkTag, out long chunkLength) || chunkLength != reader.Remaining)
        {
            return null;
        }

        ByteString? digest = null;
        byte[]? data = null;
        int dataLength = 0;
        while (reader.Remaining > 0)
        {
            if (!TryReadVarint(ref reader, out ulong tag) || !TryReadVarint(ref reader, out ulong length) || length > (ulong)reader.Remaining)
            {
                break;
            }

            if (tag == DigestTag && digest is null)
            {
                // ToArray is the one copy: the new array is this ByteString's alone.
                digest = UnsafeByteOperations.UnsafeWrap(reader.UnreadSequence.Slice(0, (long)length).ToArray());
            }
            else if (tag == DataTag && data is null && length <= int.MaxValue)
            {
                dataLength = (int)length;
                data = ArrayPool<byte>.Shared.Rent(dataLength);
                reader.UnreadSequence.Slice(0, dataLength).CopyTo(data);
            }
            else
            {
                // A repeated or unknown field: the generated parser knows what to make of it.
                break;
            }

            reader.Advance((long)length);
        }

        if (reader.Remaining > 0 || digest is null || data is null)
        {
            if (data is not null)
            {
                ArrayPool<byte>.Shared.Return(data);
            }

            return null;
        }

        Lent.AddOrUpdate(data, LentMarker);
        var chunk = new ChunkData { Digest = digest, Data = UnsafeByteOperations.UnsafeWrap(data.AsMemory(0, dataLength)) };
        return new OutsideMessage { Frame = new Frame { Chunk = chunk } };
    }

    private static bool TryReadField(ref SequenceReader<byte> reader, uint expectedTag, out long length)
    {
        length = 0;
        if (!TryReadVarint(ref reader, out ulong tag) || tag != expectedTag || !TryReadVarint(ref reader, out ulong value) || value > long.MaxValue)
        {
            return false;
        }

        length = (long)value;
        return true;
    }

    private static bool TryReadVarint(ref SequenceReader<byte> reader, out ulong value)
    {
        value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (!reader.TryRead(out byte b))
            {
                return false;
            }

            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        return false;
    }
}
