using Sync.Testing.Streams;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Google.Protobuf;
using Sync.Core;
using Sync.Core.Delta;
using Sync.Core.Hashing;
using Sync.Core.Streams;
using Sync.Protocol;
using static Sync.Testing.Samples.ProtocolTestData;
using V1 = Sync.Protocol.V1;

namespace Sync.Protocol.Tests;

public sealed class FrameCodecTests
{
    [Fact]
    public async Task Every_frame_kind_round_trips_through_writer_and_reader()
    {
        var frames = EveryFrameKind();
        var bytes = await FrameStreams.EncodeAsync(frames);

        var read = await ReadAllAsync(new MemoryStream(bytes));
        Assert.Equal(frames.Count, read.Count);
        for (var i = 0; i < frames.Count; i++)
        {
            AssertSameFrame(frames[i], read[i]);
        }
    }

    [Fact]
    public async Task Reading_one_byte_at_a_time_gives_the_same_frames()
    {
        var frames = EveryFrameKind();
        var bytes = await FrameStreams.EncodeAsync(frames);

        var read = await ReadAllAsync(new TrickleStream(bytes, seed: 0, maxRead: 1));
        Assert.Equal(frames.Count, read.Count);
        for (var i = 0; i < frames.Count; i++)
        {
            AssertSameFrame(frames[i], read[i]);
        }
    }

    [Fact]
    public async Task Writer_counts_and_is_done_with_the_frame_memory_when_it_returns()
    {
        var data = Bytes(20, 5000);
        var original = data.ToArray();
        var stream = new MemoryStream();
        await using var writer = PipeFrameWriter.Create(stream, leaveOpen: true);
        await writer.WriteAsync(new ChunkFrame(Digest.Compute(original), data), CancellationToken.None);
        Array.Clear(data);
        await writer.WriteAsync(new EndFrame(1, 2), CancellationToken.None);

        Assert.Equal(2, writer.FramesWritten);
        Assert.Equal(stream.Length, writer.BytesWritten);
        var read = await ReadAllAsync(new MemoryStream(stream.ToArray()));
        AssertSameFrame(new ChunkFrame(Digest.Compute(original), original), read[0]);
    }

    [Fact]
    public void Wire_messages_round_trip_for_message_carriers()
    {
        foreach (var frame in EveryFrameKind())
        {
            var wire = FrameCodec.ToWire(frame);
            AssertSameFrame(frame, FrameCodec.FromWire(V1.Frame.Parser.ParseFrom(wire.ToByteArray())));
            AssertSameFrame(frame, FrameCodec.Decode(wire.ToByteArray()));
        }
    }

    [Fact]
    public void An_empty_literal_is_a_no_op_and_is_left_out()
    {
        var frame = new PatchFrame([DeltaOp.Copy(5, 1), default, DeltaOp.Literal(Bytes(1, 3))], Last: true);
        AssertSameFrame(new PatchFrame([DeltaOp.Copy(5, 1), DeltaOp.Literal(Bytes(1, 3))], Last: true), FrameCodec.Decode(FrameCodec.ToWire(frame).ToByteArray()));
    }

    [Fact]
    public async Task Truncation_at_every_byte_is_refused_or_a_clean_end_between_frames()
    {
        var frames = new List<DeltaFrame>
        {
            new HeaderFrame(new Sync.Core.Trust.SignedPayload(Bytes(1, 20), Bytes(2, 8), Bytes(3, 64))),
            new ManifestSliceFrame(Bytes(4, 50)),
            new ContentBeginFrame(Digest.Compute([1]), Digest.Empty),
            new ChunkFrame(Digest.Compute([2]), Bytes(5, 40)),
            new EndFrame(1, 5),
        };
        var bytes = await FrameStreams.EncodeAsync(frames);
        var boundaries = new HashSet<int> { 0 };
        var position = 0;
        foreach (var frame in frames)
        {
            position += FrameCodec.EncodedSize(FrameCodec.ToWire(frame));
            boundaries.Add(position);
        }

        for (var cut = 0; cut < bytes.Length; cut++)
        {
            var stream = new MemoryStream(bytes, 0, cut);
            if (boundaries.Contains(cut))
            {
                var read = await ReadAllAsync(stream);
                Assert.Equal(frames.Take(read.Count).Sum(f => FrameCodec.EncodedSize(FrameCodec.ToWire(f))), cut);
            }
            else
            {
                var e = await Assert.ThrowsAsync<SyncException>(() => ReadAllAsync(stream));
                Assert.Equal(SyncErrorKind.Refused, e.Kind);
                Assert.Contains("truncated", e.Message);
            }
        }
    }

    [Theory]
    [InlineData(0u)]
    [InlineData((uint)FrameCodec.MaxFrameBytes + 1)]
    [InlineData(uint.MaxValue)]
    public async Task An_impossible_length_is_refused_before_anything_is_allocated(uint length)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, length);
        // A small segment, so what is measured is the frame reader, not the pipe's first buffer.
        await using var reader = new PipeFrameReader(PipeReader.Create(new MemoryStream(bytes), new StreamPipeReaderOptions(bufferSize: 4096)));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var pending = reader.ReadAsync(CancellationToken.None);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        var e = await Assert.ThrowsAsync<SyncException>(() => pending.AsTask());
        Assert.Equal(SyncErrorKind.Refused, e.Kind);
        Assert.Contains($"{length} bytes", e.Message);
        Assert.True(allocated < 64 << 10, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Refuses_a_frame_without_a_body_or_with_two()
    {
        AssertDecodeRefused([], "no body");
        AssertDecodeRefused(new V1.Frame().ToByteArray(), "no body");

        // An unknown field only (8: the next after recompress): a kind from a newer format.
        AssertDecodeRefused([0x42, 0x01, 0x00], "no body");

        var two = FrameCodec.ToWire(new EndFrame(1, 1)).ToByteArray().Concat(FrameCodec.ToWire(new ManifestSliceFrame(Bytes(1, 3))).ToByteArray()).ToArray();
        AssertDecodeRefused(two, "more than one body");
    }

    [Fact]
    public void Refuses_a_patch_frame_of_more_operations_than_a_frame_may_hold_before_allocating_them()
    {
        // Issue 9, item 9: four bytes per one-byte copy, so a frame under 16 MiB could claim four million operations.
        var patch = new V1.PatchOps();
        patch.Ops.Add(Enumerable.Range(0, PatchFrame.MaxOps + 1).Select(_ => new V1.PatchOp { CopyLength = 1 }));
        var wire = new V1.Frame { Patch = patch };
        AssertDecodeRefused(wire.ToByteArray(), $"more than {PatchFrame.MaxOps}");
        Assert.Contains($"more than {PatchFrame.MaxOps}", Assert.Throws<SyncException>(() => FrameCodec.FromWire(wire)).Message, StringComparison.Ordinal);

        patch.Ops.RemoveAt(0);
        Assert.Equal(PatchFrame.MaxOps, Assert.IsType<PatchFrame>(FrameCodec.Decode(wire.ToByteArray())).Ops.Count);
    }

    [Fact]
    public void Refuses_bad_digests_and_values()
    {
        AssertDecodeRefused(Frame(f => f.Chunk = new V1.ChunkData { Digest = ByteString.CopyFrom(new byte[31]), Data = ByteString.CopyFrom([1]) }), "31 bytes");
        AssertDecodeRefused(Frame(f => f.Chunk = new V1.ChunkData { Digest = ByteString.CopyFrom(new byte[32]) }), "no data");
        AssertDecodeRefused(Frame(f => f.ContentBegin = new V1.ContentBegin()), "content digest is 0 bytes");
        AssertDecodeRefused(Frame(f => f.ContentBegin = new V1.ContentBegin { Digest = ByteString.CopyFrom(new byte[32]), PatchBaseDigest = ByteString.CopyFrom([1]) }), "patch base digest");
        AssertDecodeRefused(Frame(f => f.Patch = new V1.PatchOps { Ops = { new V1.PatchOp { CopyLength = 0 } } }), "copy of 0 bytes");
        AssertDecodeRefused(Frame(f => f.Patch = new V1.PatchOps { Ops = { new V1.PatchOp { CopyLength = uint.MaxValue } } }), "copy of");
        AssertDecodeRefused(Frame(f => f.Patch = new V1.PatchOps { Ops = { new V1.PatchOp { CopyOffset = ulong.MaxValue, CopyLength = 1 } } }), "offset");
        AssertDecodeRefused(Frame(f => f.Patch = new V1.PatchOps { Ops = { new V1.PatchOp { CopyLength = 1, Literal = ByteString.CopyFrom([1]) } } }), "both");
        AssertDecodeRefused(Frame(f => f.End = new V1.StreamEnd { FrameCount = ulong.MaxValue }), "out of range");
    }

    [Fact]
    public async Task Random_garbage_is_refused_or_read_as_valid_frames()
    {
        var random = new Random(20240611);
        for (var run = 0; run < 3000; run++)
        {
            var bytes = new byte[random.Next(0, 120)];
            random.NextBytes(bytes);
            if (bytes.Length >= 4 && run % 2 == 0)
            {
                // Half the runs get a plausible length, so the body parser sees the garbage too.
                BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)random.Next(1, bytes.Length));
            }

            await AssertRefusedOrValidAsync(bytes);
        }
    }

    [Fact]
    public void Mutated_frames_decode_the_same_as_the_generated_parser_or_are_refused()
    {
        var random = new Random(7);
        var bodies = EveryFrameKind().Where(f => f is not ChunkFrame { Data.Length: > 1000 })
            .Select(f => FrameCodec.ToWire(f).ToByteArray()).ToList();
        var accepted = 0;
        for (var run = 0; run < 20000; run++)
        {
            var body = bodies[random.Next(bodies.Count)].ToArray();
            for (var flips = random.Next(1, 4); flips > 0 && body.Length > 0; flips--)
            {
                body[random.Next(body.Length)] = (byte)random.Next(256);
            }

            DeltaFrame decoded;
            try
            {
                decoded = FrameCodec.Decode(body);
            }
            catch (SyncException e)
            {
                Assert.Equal(SyncErrorKind.Refused, e.Kind);
                continue;
            }

            // Whatever the fast parser accepts, the generated (reference) parser reads the same way.
            accepted++;
            AssertSameFrame(decoded, FrameCodec.FromWire(V1.Frame.Parser.ParseFrom(body)));
        }

        Assert.True(accepted > 1000, $"only {accepted} mutations decoded");
    }

    [Fact]
    public async Task Reader_memory_is_reused_and_stays_valid_until_the_next_read()
    {
        var frames = new List<DeltaFrame>
        {
            new ChunkFrame(Digest.Compute([1]), Bytes(1, 100)),
            new ChunkFrame(Digest.Compute([2]), Bytes(2, 100)),
        };
        await using var reader = PipeFrameReader.Create(new MemoryStream(await FrameStreams.EncodeAsync(frames)), "delta stream", leaveOpen: false);
        var first = await reader.ReadAsync(CancellationToken.None);
        AssertSameFrame(frames[0], first);
        AssertSameFrame(frames[1], await reader.ReadAsync(CancellationToken.None));
        Assert.Null(await reader.ReadAsync(CancellationToken.None));
        Assert.True(await reader.IsAtEndAsync(CancellationToken.None));
        Assert.Equal(2, reader.FramesRead);
    }

    [Fact]
    public async Task Chunk_data_is_never_copied_into_new_arrays()
    {
        // Allocation is deterministic where time is not: 4000 chunks of 4 KiB must cost far less than their 16 MiB.
        const int count = 4000;
        var data = Bytes(1, 4096);
        var frame = new ChunkFrame(Digest.Compute(data), data);
        var stream = new MemoryStream(count * 4200);
        await using (var writer = PipeFrameWriter.Create(stream, leaveOpen: true))
        {
            await writer.WriteAsync(frame, CancellationToken.None);
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 1; i < count; i++)
            {
                await writer.WriteAsync(frame, CancellationToken.None);
            }

            var perFrame = (GC.GetAllocatedBytesForCurrentThread() - before) / (count - 1);
            Assert.True(perFrame < 1024, $"writer allocated {perFrame} bytes per 4 KiB chunk frame");
            await writer.FlushAsync(CancellationToken.None);
        }

        stream.Position = 0;
        await using var reader = PipeFrameReader.Create(stream, "delta stream", leaveOpen: true);

        // The pipe rents its segments once: past the first two, the pool hands back the ones already consumed.
        var warmUp = (2 * PipeFrameReader.SegmentBytes / 4200) + 1;
        for (var i = 0; i < warmUp; i++)
        {
            Assert.IsType<ChunkFrame>(await reader.ReadAsync(CancellationToken.None));
        }

        var start = GC.GetAllocatedBytesForCurrentThread();
        for (var i = warmUp; i < count; i++)
        {
            Assert.IsType<ChunkFrame>(await reader.ReadAsync(CancellationToken.None));
        }

        var readPerFrame = (GC.GetAllocatedBytesForCurrentThread() - start) / (count - warmUp);
        Assert.True(readPerFrame < 128, $"reader allocated {readPerFrame} bytes per 4 KiB chunk frame");
    }

    private static async Task<List<DeltaFrame>> ReadAllAsync(Stream stream)
    {
        await using var reader = PipeFrameReader.Create(stream, "delta stream", leaveOpen: true);
        var frames = new List<DeltaFrame>();
        while (await reader.ReadAsync(CancellationToken.None) is { } frame)
        {
            frames.Add(Detach(frame));
        }

        return frames;
    }

    private static async Task AssertRefusedOrValidAsync(byte[] bytes)
    {
        try
        {
            await ReadAllAsync(new MemoryStream(bytes));
        }
        catch (SyncException e)
        {
            Assert.Equal(SyncErrorKind.Refused, e.Kind);
            Assert.DoesNotContain('\n', e.Message);
        }
    }

    private static byte[] Frame(Action<V1.Frame> set)
    {
        var frame = new V1.Frame();
        set(frame);
        return frame.ToByteArray();
    }

    private static void AssertDecodeRefused(byte[] body, string reason)
    {
        var e = Assert.Throws<SyncException>(() => FrameCodec.Decode(body));
        Assert.Equal(SyncErrorKind.Refused, e.Kind);
        Assert.Contains(reason, e.Message);
    }
}
