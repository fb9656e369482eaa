using System.Buffers;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Sync.Protocol.V1;
using Sync.Transport.Grpc;

namespace Sync.Integration.Tests;

/// <summary>Unit tests of the inside's decoder of the outside's messages (no server needed).</summary>
public sealed class PooledChunkMessagesTests
{
    [Theory]
    [InlineData(1, 7)]
    [InlineData(1 << 20, 4096)]
    [InlineData(3 << 20, 1 << 20)]
    public void A_chunk_frame_decodes_into_a_pooled_array_and_equals_what_protobuf_parses(int dataLength, int segmentLength)
    {
        var message = Chunk(dataLength, seed: dataLength);
        var wire = message.ToByteArray();

        var decoded = PooledChunkMessages.Decode(Segmented(wire, segmentLength));

        Assert.Equal(message, decoded);
        Assert.Equal(wire, decoded.ToByteArray());
        Assert.True(MemoryMarshal.TryGetArray(decoded.Frame.Chunk.Data.Memory, out var segment));
        Assert.Equal(0, segment.Offset);
        Assert.True(segment.Array!.Length >= dataLength);
        PooledChunkMessages.Return(decoded);
    }

    [Fact]
    public void Every_other_message_is_what_the_generated_parser_makes()
    {
        var messages = new[]
        {
            new OutsideMessage { Hello = new Hello() },
            new OutsideMessage { Frame = new Frame { End = new StreamEnd() } },
            new OutsideMessage { Frame = new Frame { ManifestSlice = ByteString.CopyFrom(1, 2, 3) } },
            new OutsideMessage { Abort = new Abort { Reason = "source changed", Busy = true } },
            new OutsideMessage { Frame = new Frame { Chunk = new ChunkData { Data = ByteString.CopyFrom(9) } } },
            new OutsideMessage { Frame = new Frame { Chunk = new ChunkData { Digest = ByteString.CopyFrom(new byte[32]) } } },
        };

        foreach (var message in messages)
        {
            var decoded = PooledChunkMessages.Decode(new ReadOnlySequence<byte>(message.ToByteArray()));
            Assert.Equal(message, decoded);
        }
    }

    [Fact]
    public void A_chunk_with_a_field_more_or_a_field_twice_goes_to_the_generated_parser()
    {
        var wire = Chunk(100, seed: 3).ToByteArray();
        // OutsideMessage field 9 (unknown, varint 1) after the frame; and the frame's chunk field written twice.
        var unknownAfter = wire.Concat(new byte[] { 9 << 3, 1 }).ToArray();
        var twice = wire.Concat(wire).ToArray();

        foreach (var bytes in new[] { unknownAfter, twice })
        {
            var expected = OutsideMessage.Parser.ParseFrom(bytes);
            var decoded = PooledChunkMessages.Decode(new ReadOnlySequence<byte>(bytes));
            Assert.Equal(expected, decoded);
            Assert.Equal(expected.ToByteArray(), decoded.ToByteArray());
        }
    }

    [Fact]
    public void A_truncated_chunk_is_refused_as_protobuf_refuses_it()
    {
        var wire = Chunk(1000, seed: 5).ToByteArray();
        for (int cut = 1; cut < wire.Length; cut += 97)
        {
            Assert.Throws<InvalidProtocolBufferException>(() => PooledChunkMessages.Decode(new ReadOnlySequence<byte>(wire.AsMemory(0, cut))));
        }
    }

    [Fact]
    public void Only_a_lent_array_goes_back_to_the_pool_and_only_once()
    {
        const int length = 200_000;
        var decoded = PooledChunkMessages.Decode(new ReadOnlySequence<byte>(Chunk(length, seed: 7).ToByteArray()));
        Assert.True(MemoryMarshal.TryGetArray(decoded.Frame.Chunk.Data.Memory, out var lent));

        PooledChunkMessages.Return(decoded);
        PooledChunkMessages.Return(decoded);
        var first = ArrayPool<byte>.Shared.Rent(length);
        var second = ArrayPool<byte>.Shared.Rent(length);
        Assert.Same(lent.Array, first);
        Assert.NotSame(lent.Array, second);
        ArrayPool<byte>.Shared.Return(first);
        ArrayPool<byte>.Shared.Return(second);

        // A message the generated parser made owns a plain array: it is not the pool's to take.
        var parsed = OutsideMessage.Parser.ParseFrom(Chunk(length, seed: 8).ToByteArray());
        Assert.True(MemoryMarshal.TryGetArray(parsed.Frame.Chunk.Data.Memory, out var plain));
        PooledChunkMessages.Return(parsed);
        var next = ArrayPool<byte>.Shared.Rent(length);
        Assert.NotSame(plain.Array, next);
        ArrayPool<byte>.Shared.Return(next);
        PooledChunkMessages.Return(null);
    }

    private static OutsideMessage Chunk(int dataLength, int seed)
    {
        var data = new byte[dataLength];
        new Random(seed).NextBytes(data);
        var digest = new byte[32];
        new Random(seed + 1).NextBytes(digest);
        return new OutsideMessage { Frame = new Frame { Chunk = new ChunkData { Digest = ByteString.CopyFrom(digest), Data = ByteString.CopyFrom(data) } } };
    }

    /// <summary>The bytes as a sequence of segments of at most <paramref name="length"/> bytes, as a pipe hands them over.</summary>
    private static ReadOnlySequence<byte> Segmented(byte[] bytes, int length)
    {
        Segment? first = null;
        Segment? last = null;
        for (int offset = 0; offset < bytes.Length; offset += length)
        {
            var next = new Segment(bytes.AsMemory(offset, Math.Min(length, bytes.Length - offset)), last);
            first ??= next;
            last = next;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }
}
