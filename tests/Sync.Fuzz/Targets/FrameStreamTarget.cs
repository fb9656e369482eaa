using System.IO.Pipelines;
using Sync.Protocol;

namespace Sync.Fuzz.Targets;

/// <summary>
/// A length-prefixed frame stream (what the parts of a bundle hold) through <see cref="PipeFrameReader"/> (over a pipe with small segments), delivered in
/// pieces of a size the first input byte chooses, so frames spanning reads and segments are exercised.
/// A stream read to its clean end must account for every byte.
/// </summary>
internal sealed class FrameStreamTarget : FuzzTarget
{
    public override string Name => "frame-stream";

    public override string Decodes => "a frame stream: PipeFrameReader (length prefixes, limits, truncation) over a stream read in pieces";

    protected override async Task ExerciseAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken)
    {
        if (input.IsEmpty)
        {
            return;
        }

        var piece = 1 + (input.Span[0] * 97);
        var stream = new PiecewiseStream(input[1..], piece);
        // Segments far smaller than the production ones, so most frames span several and are joined.
        await using var reader = new PipeFrameReader(
            PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 512, minimumReadSize: 64)), "fuzz stream");
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) is not null)
        {
        }

        if (reader.BytesRead != input.Length - 1)
        {
            throw new FuzzFinding($"PipeFrameReader ended cleanly after {reader.BytesRead} of {input.Length - 1} bytes");
        }
    }

    /// <summary>A read-only stream over memory that returns at most a set number of bytes per read.</summary>
    private sealed class PiecewiseStream(ReadOnlyMemory<byte> data, int piece) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(Math.Min(buffer.Length, piece), data.Length - _position);
            data.Span.Slice(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
