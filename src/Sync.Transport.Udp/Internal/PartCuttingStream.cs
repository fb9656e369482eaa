using System.Security.Cryptography;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// A write-only stream in front of the spool file that cuts what passes through into <see cref="SpooledPart"/>s as
/// <see cref="SpoolPartPlan"/> says and hashes each part on the way, so the sender need not read a part twice. Every
/// part but the last is exactly its target size (a write is split at the boundary), so the cut depends on the bytes
/// and the plan alone and can be found again in the spooled file. A full part is closed when the next byte arrives
/// (its bytes are in the file by then) and handed on, which waits while the sender is parts behind: the emit keeps
/// pace with the link instead of taking the CPU the first parts' encoding needs. The last part comes from
/// <see cref="FinishLast"/>, once the caller made the stream durable.
/// </summary>
internal sealed class PartCuttingStream(Stream file, SpoolPartPlan plan, Func<SpooledPart, CancellationToken, ValueTask> closed) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private int _index;
    private long _partStart;
    private long _position;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _position;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <summary>Parts closed so far.</summary>
    public int Closed => _index;

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <summary>Not supported: handing a part on may wait for the sender (written through a pipe, asynchronously).</summary>
    public override void Write(ReadOnlySpan<byte> buffer) => throw new NotSupportedException("write asynchronously: a closed part may wait for the sender");

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            if (_position - _partStart >= plan.TargetBytes(_index))
            {
                await closed(Close(last: false), cancellationToken).ConfigureAwait(false);
            }

            var piece = buffer[..(int)Math.Min(buffer.Length, plan.TargetBytes(_index) - (_position - _partStart))];
            await file.WriteAsync(piece, cancellationToken).ConfigureAwait(false);
            Took(piece.Span);
            buffer = buffer[piece.Length..];
        }
    }

    public override void Flush() => file.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => file.FlushAsync(cancellationToken);

    /// <summary>The part that ends the stream: what was written since the last cut (never empty: a stream ends with its end frame).</summary>
    public SpooledPart FinishLast() => Close(last: true);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Took(ReadOnlySpan<byte> written)
    {
        _hash.AppendData(written);
        _position += written.Length;
    }

    private SpooledPart Close(bool last)
    {
        var part = new SpooledPart(new StreamPart(_index, _partStart, last), _position - _partStart, _hash.GetHashAndReset());
        _index++;
        _partStart = _position;
        return part;
    }
}
