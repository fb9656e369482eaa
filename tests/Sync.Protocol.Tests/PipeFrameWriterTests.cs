using System.IO.Pipelines;
using Sync.Core.Hashing;
using Sync.Core.Streams;
using static Sync.Testing.Samples.ProtocolTestData;

namespace Sync.Protocol.Tests;

public sealed class PipeFrameWriterTests
{
    [Fact]
    public async Task A_reader_that_falls_behind_holds_the_writer_back()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 64 << 10, resumeWriterThreshold: 32 << 10, useSynchronizationContext: false));
        await using var writer = new PipeFrameWriter(pipe.Writer);
        await using var reader = new PipeFrameReader(pipe.Reader);
        var big = new ChunkFrame(Digest.Compute([1]), Bytes(1, PipeFrameWriter.FlushThresholdBytes));

        var writing = writer.WriteAsync(big, CancellationToken.None);
        Assert.False(writing.IsCompleted);

        AssertSameFrame(big, await reader.ReadAsync(CancellationToken.None));
        Assert.False(writing.IsCompleted); // the frame's bytes are still held by the reader

        var end = reader.ReadAsync(CancellationToken.None).AsTask();
        await writing;
        await writer.WriteAsync(new EndFrame(1, 2), CancellationToken.None);
        Assert.IsType<EndFrame>(await end);
    }

    [Fact]
    public async Task Small_frames_are_gathered_and_the_end_frame_flushes_them()
    {
        var pipe = new Pipe();
        await using var writer = new PipeFrameWriter(pipe.Writer);
        await writer.WriteAsync(new ManifestSliceFrame(Bytes(1, 100)), CancellationToken.None);
        await writer.WriteAsync(new ContentBeginFrame(Digest.Compute([1]), Digest.Empty), CancellationToken.None);
        Assert.False(pipe.Reader.TryRead(out _));

        await writer.WriteAsync(new EndFrame(1, 3), CancellationToken.None);
        Assert.True(pipe.Reader.TryRead(out var result));
        Assert.Equal(writer.BytesWritten, result.Buffer.Length);
        Assert.Equal(3, writer.FramesWritten);
        pipe.Reader.AdvanceTo(result.Buffer.End);
    }

    [Fact]
    public async Task A_stream_abandoned_before_its_end_is_a_failure_for_the_reader_and_writes_nothing_more()
    {
        var stream = new MemoryStream();
        await using (var writer = PipeFrameWriter.Create(stream, leaveOpen: true))
        {
            await writer.WriteAsync(new ManifestSliceFrame(Bytes(1, 100)), CancellationToken.None);
        }

        Assert.Equal(0, stream.Length);

        var pipe = new Pipe();
        await using (var writer = new PipeFrameWriter(pipe.Writer))
        {
            await writer.WriteAsync(new ManifestSliceFrame(Bytes(1, 100)), CancellationToken.None);
        }

        await using var reader = new PipeFrameReader(pipe.Reader);
        await Assert.ThrowsAsync<IOException>(() => reader.ReadAsync(CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task A_reader_that_stopped_fails_the_next_flush()
    {
        var pipe = new Pipe();
        await pipe.Reader.CompleteAsync();
        await using var writer = new PipeFrameWriter(pipe.Writer);

        var e = await Assert.ThrowsAsync<IOException>(() => writer.WriteAsync(new EndFrame(0, 1), CancellationToken.None).AsTask());
        Assert.Contains("stopped reading", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_oversized_frame_is_refused_before_anything_is_written()
    {
        var pipe = new Pipe();
        await using var writer = new PipeFrameWriter(pipe.Writer);
        var huge = new ManifestSliceFrame(new byte[FrameCodec.MaxFrameBytes]);

        await Assert.ThrowsAsync<ArgumentException>(() => writer.WriteAsync(huge, CancellationToken.None).AsTask());
        Assert.Equal(0, writer.BytesWritten);
        await writer.FlushAsync(CancellationToken.None);
        Assert.False(pipe.Reader.TryRead(out _));
    }
}
