using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using Sync.Core;
using Sync.Core.Hashing;
using Sync.Core.Streams;
using static Sync.Testing.Samples.ProtocolTestData;

namespace Sync.Protocol.Tests;

public sealed class PipeFrameReaderTests
{
    private static readonly List<DeltaFrame> Mix =
    [
        new HeaderFrame(new Sync.Core.Trust.SignedPayload(Bytes(1, 20), Bytes(2, 8), Bytes(3, 64))),
        new ManifestSliceFrame(Bytes(4, 50)),
        new ContentBeginFrame(Digest.Compute([1]), Digest.Empty),
        new ChunkFrame(Digest.Compute([2]), Bytes(5, 40)),
        new EndFrame(1, 5),
    ];

    [Fact]
    public async Task A_stream_split_into_two_segments_at_every_byte_gives_the_same_frames()
    {
        var bytes = await FrameStreams.EncodeAsync(Mix);
        for (var split = 0; split <= bytes.Length; split++)
        {
            var read = await ReadAllAsync(PipeReader.Create(Segments(bytes, split)));
            AssertSameFrames(Mix, read);
        }
    }

    [Fact]
    public async Task A_stream_of_one_byte_segments_gives_the_same_frames()
    {
        var frames = EveryFrameKind();
        var bytes = await FrameStreams.EncodeAsync(frames);
        var cuts = Enumerable.Range(1, bytes.Length - 1).ToArray();

        AssertSameFrames(frames, await ReadAllAsync(PipeReader.Create(Segments(bytes, cuts))));
    }

    [Fact]
    public async Task Bytes_arriving_one_flush_at_a_time_give_the_same_frames()
    {
        // The reader waits on the pipe between bytes: every prefix and body is examined before it is whole.
        var frames = EveryFrameKind();
        var bytes = await FrameStreams.EncodeAsync(frames);
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
        var reading = ReadAllAsync(pipe.Reader);
        foreach (var b in bytes)
        {
            await pipe.Writer.WriteAsync(new[] { b });
        }

        await pipe.Writer.CompleteAsync();
        AssertSameFrames(frames, await reading);
    }

    [Fact]
    public async Task A_frame_in_one_segment_is_handed_over_without_a_copy_and_one_spanning_segments_is_joined()
    {
        var bytes = await FrameStreams.EncodeAsync([new ChunkFrame(Digest.Compute([1]), Bytes(1, 1000)), new ChunkFrame(Digest.Compute([2]), Bytes(2, 1000))]);
        var first = FrameCodec.EncodedSize(FrameCodec.ToWire(new ChunkFrame(Digest.Compute([1]), Bytes(1, 1000))));
        var sequence = Segments(bytes, first + 10);
        await using var reader = new PipeFrameReader(PipeReader.Create(sequence));

        var whole = Assert.IsType<ChunkFrame>(await reader.ReadAsync(CancellationToken.None));
        Assert.True(MemoryMarshal.TryGetArray(whole.Data, out var inPipe));
        Assert.True(MemoryMarshal.TryGetArray(sequence.First, out var firstSegment));
        Assert.Same(firstSegment.Array, inPipe.Array);

        var joined = Assert.IsType<ChunkFrame>(await reader.ReadAsync(CancellationToken.None));
        Assert.Equal(Bytes(2, 1000), joined.Data.ToArray());
        Assert.Null(await reader.ReadAsync(CancellationToken.None));
        Assert.Equal(2, reader.FramesRead);
        Assert.Equal(bytes.Length, reader.BytesRead);
    }

    [Fact]
    public async Task Truncation_at_every_byte_across_segments_is_refused_with_todays_messages()
    {
        var bytes = await FrameStreams.EncodeAsync(Mix);
        var ends = new List<int> { 0 };
        foreach (var frame in Mix)
        {
            ends.Add(ends[^1] + FrameCodec.EncodedSize(FrameCodec.ToWire(frame)));
        }

        for (var cut = 0; cut < bytes.Length; cut++)
        {
            var stream = Segments(bytes.AsSpan(0, cut).ToArray(), cut / 2);
            var whole = ends.Count(e => e <= cut) - 1;
            if (ends.Contains(cut))
            {
                Assert.Equal(whole, (await ReadAllAsync(PipeReader.Create(stream))).Count);
                continue;
            }

            var e = await Assert.ThrowsAsync<SyncException>(() => ReadAllAsync(PipeReader.Create(stream)));
            Assert.Equal(SyncErrorKind.Refused, e.Kind);
            var at = ends[whole];
            var expected = cut - at < FrameCodec.LengthPrefixBytes
                ? $"delta stream is truncated: it ends inside the length of frame #{whole + 1} at byte {at}"
                : $"delta stream is truncated: frame #{whole + 1} at byte {at} announces {ends[whole + 1] - at - 4} bytes but only {cut - at - 4} follow";
            Assert.Equal(expected, e.Message);
        }
    }

    [Theory]
    [InlineData(0u)]
    [InlineData((uint)FrameCodec.MaxFrameBytes + 1)]
    [InlineData(uint.MaxValue)]
    public async Task An_impossible_length_split_across_segments_is_refused_with_todays_message(uint length)
    {
        var head = await FrameStreams.EncodeAsync([new EndFrame(0, 1)]);
        var bytes = new byte[head.Length + 8];
        head.CopyTo(bytes, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(head.Length), length);

        var e = await Assert.ThrowsAsync<SyncException>(() => ReadAllAsync(PipeReader.Create(Segments(bytes, head.Length + 1, head.Length + 3))));
        Assert.Equal(SyncErrorKind.Refused, e.Kind);
        Assert.Equal(
            $"delta stream announces a frame of {length} bytes at byte {head.Length} (allowed 1 to {FrameCodec.MaxFrameBytes}): damaged, or not a frame stream",
            e.Message);
    }

    [Fact]
    public async Task A_corrupted_frame_spanning_segments_is_refused_with_todays_message()
    {
        var head = await FrameStreams.EncodeAsync([new EndFrame(0, 1)]);
        var chunk = await FrameStreams.EncodeAsync([new ChunkFrame(Digest.Compute([1]), Bytes(1, 100))]);
        chunk[4] = 0x42; // the body's tag becomes field 8, a kind from a newer format: a frame without a body
        var bytes = head.Concat(chunk).ToArray();

        var e = await Assert.ThrowsAsync<SyncException>(() => ReadAllAsync(PipeReader.Create(Segments(bytes, head.Length + 20))));
        Assert.Equal(SyncErrorKind.Refused, e.Kind);
        Assert.StartsWith($"delta stream has a malformed frame #2 at byte {head.Length}: frame has no body", e.Message, StringComparison.Ordinal);
        Assert.IsType<SyncException>(e.InnerException);
    }

    [Fact]
    public async Task Nothing_after_the_last_frame_is_an_end_and_a_byte_more_is_not()
    {
        var bytes = await FrameStreams.EncodeAsync([new EndFrame(0, 1)]);
        await using (var reader = new PipeFrameReader(PipeReader.Create(Segments(bytes, 2))))
        {
            Assert.IsType<EndFrame>(await reader.ReadAsync(CancellationToken.None));
            Assert.True(await reader.IsAtEndAsync(CancellationToken.None));
        }

        await using var longer = new PipeFrameReader(PipeReader.Create(Segments([.. bytes, 7], bytes.Length)));
        Assert.IsType<EndFrame>(await longer.ReadAsync(CancellationToken.None));
        Assert.False(await longer.IsAtEndAsync(CancellationToken.None));
        var e = await Assert.ThrowsAsync<SyncException>(() => longer.ReadAsync(CancellationToken.None).AsTask());
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_writer_that_fails_is_a_failure_for_the_reader_not_a_clean_end()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(await FrameStreams.EncodeAsync([new EndFrame(0, 1)]));
        await pipe.Writer.CompleteAsync(new IOException("disk gone"));
        await using var reader = new PipeFrameReader(pipe.Reader);

        await Assert.ThrowsAsync<IOException>(() => reader.ReadAsync(CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task Cancellation_while_waiting_for_bytes_is_honoured()
    {
        var pipe = new Pipe();
        await using var reader = new PipeFrameReader(pipe.Reader);
        using var cancel = new CancellationTokenSource();
        var pending = reader.ReadAsync(cancel.Token);
        Assert.False(pending.IsCompleted);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.AsTask());
    }

    private static async Task<List<DeltaFrame>> ReadAllAsync(PipeReader pipe)
    {
        await using var reader = new PipeFrameReader(pipe);
        var frames = new List<DeltaFrame>();
        while (await reader.ReadAsync(CancellationToken.None) is { } frame)
        {
            frames.Add(Detach(frame));
        }

        return frames;
    }

    private static void AssertSameFrames(IReadOnlyList<DeltaFrame> expected, IReadOnlyList<DeltaFrame> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            AssertSameFrame(expected[i], actual[i]);
        }
    }

    /// <summary>The bytes as a sequence of separate arrays, cut at the given offsets (empty pieces left out).</summary>
    private static ReadOnlySequence<byte> Segments(byte[] bytes, params int[] cuts)
    {
        var bounds = cuts.Where(c => c > 0 && c < bytes.Length).Distinct().Order().Prepend(0).Append(bytes.Length).ToArray();
        if (bytes.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        Segment? first = null;
        Segment? last = null;
        for (var i = 0; i + 1 < bounds.Length; i++)
        {
            var piece = bytes.AsSpan(bounds[i], bounds[i + 1] - bounds[i]).ToArray();
            last = last is null ? first = new Segment(piece, 0) : last.Append(piece);
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
