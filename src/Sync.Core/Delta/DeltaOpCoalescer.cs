namespace Sync.Core.Delta;

/// <summary>
/// Turns <see cref="DeltaEncoder"/>'s matches and unmatched runs into ops: copies of consecutive base ranges merge into
/// one (up to <see cref="DeltaEncoder.MaxCopyLength"/>), a literal is cut at <see cref="DeltaEncoder.MaxLiteralLength"/>,
/// and a pending copy goes out before any literal, so ops stay in content order.
/// </summary>
internal sealed class DeltaOpCoalescer(Func<DeltaOp, CancellationToken, ValueTask> emit, CancellationToken cancellationToken)
{
    private long _copyOffset;
    private int _copyLength;

    /// <summary>The base offset right after the pending copy, or -1 when no copy is pending.</summary>
    public long PendingCopyEnd => _copyLength > 0 ? _copyOffset + _copyLength : -1;

    public async ValueTask AddCopyAsync(long offset, int length)
    {
        if (_copyLength > 0 && _copyOffset + _copyLength == offset && _copyLength <= DeltaEncoder.MaxCopyLength - length)
        {
            _copyLength += length;
            return;
        }

        await FlushCopyAsync().ConfigureAwait(false);
        _copyOffset = offset;
        _copyLength = length;
    }

    public async ValueTask FlushCopyAsync()
    {
        if (_copyLength > 0)
        {
            var op = DeltaOp.Copy(_copyOffset, _copyLength);
            _copyLength = 0;
            await emit(op, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Emits <paramref name="data"/> as literal ops; it must stay valid until this completes.</summary>
    public async ValueTask EmitLiteralAsync(ReadOnlyMemory<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        await FlushCopyAsync().ConfigureAwait(false);
        while (!data.IsEmpty)
        {
            var piece = Math.Min(data.Length, DeltaEncoder.MaxLiteralLength);
            await emit(DeltaOp.Literal(data[..piece]), cancellationToken).ConfigureAwait(false);
            data = data[piece..];
        }
    }
}
