using System.Buffers;

namespace Sync.Core.Delta;

/// <summary>
/// Rebuilds new content from a base (the old content) and a stream of <see cref="DeltaOp"/>s, one op at a time,
/// so a receiver can apply ops as batches arrive without holding the whole delta.
/// </summary>
/// <remarks>
/// The ops are untrusted input: a copy outside the base is refused (<see cref="SyncException"/>, so the inside reports
/// it in one line), never a read of whatever lies beyond. The applier does not check the result; the caller verifies
/// the output's digest and bounds the output by the file's signed size.
/// Not thread-safe: one applier per output, ops applied in order.
/// </remarks>
public sealed class DeltaApplier
{
    private const int CopyBufferSize = 128 << 10;

    private readonly Stream _baseContent;
    private readonly Stream _output;
    private readonly long _baseLength;

    /// <param name="baseContent">The old content: readable and seekable. It must not change while ops are applied.</param>
    /// <param name="output">Where the new content is written, from the current position on.</param>
    public DeltaApplier(Stream baseContent, Stream output)
    {
        ArgumentNullException.ThrowIfNull(baseContent);
        ArgumentNullException.ThrowIfNull(output);
        if (!baseContent.CanRead || !baseContent.CanSeek)
        {
            throw new ArgumentException("the base content must be readable and seekable", nameof(baseContent));
        }

        if (!output.CanWrite)
        {
            throw new ArgumentException("the output must be writable", nameof(output));
        }

        _baseContent = baseContent;
        _output = output;
        _baseLength = baseContent.Length;
    }

    /// <summary>The bytes written to the output so far.</summary>
    public long BytesWritten { get; private set; }

    /// <exception cref="SyncException">A copy reaches outside the base (refused), or the base ended early (a local failure).</exception>
    public async ValueTask ApplyAsync(DeltaOp op, CancellationToken cancellationToken)
    {
        if (!op.IsCopy)
        {
            if (!op.Data.IsEmpty)
            {
                await _output.WriteAsync(op.Data, cancellationToken).ConfigureAwait(false);
                BytesWritten += op.Data.Length;
            }

            return;
        }

        if (op.BaseOffset < 0 || op.Length <= 0 || op.BaseOffset > _baseLength - op.Length)
        {
            throw SyncException.Refused($"delta copies {op.Length} bytes at offset {op.BaseOffset}, outside the {_baseLength}-byte base");
        }

        if (_baseContent.Position != op.BaseOffset)
        {
            _baseContent.Seek(op.BaseOffset, SeekOrigin.Begin);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(op.Length, CopyBufferSize));
        try
        {
            var remaining = op.Length;
            while (remaining > 0)
            {
                var read = await _baseContent.ReadAsync(buffer.AsMemory(0, Math.Min(remaining, buffer.Length)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new SyncException(
                        SyncErrorKind.Failure, $"the base ended {remaining} bytes early during a copy at offset {op.BaseOffset} (it changed while being patched?)");
                }

                await _output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                remaining -= read;
                BytesWritten += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
