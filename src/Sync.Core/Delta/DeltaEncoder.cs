using System.Buffers;
using System.IO.Hashing;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Sync.Core.Delta;

/// <summary>
/// Computes an rsync-style byte delta of new content against the <see cref="BlockSignature"/> of the old content.
/// </summary>
/// <remarks>
/// <para>What is this? The outside no longer has the old bytes of a file rewritten in place, only its signature.
/// The encoder slides a window of one block over the new content, one byte at a time, keeping the weak checksum
/// rolling; where it equals a base block's weak checksum and the XxHash128 of the window confirms, the window is
/// a copy of that block and the encoder jumps past it. Everything between matches is literal.</para>
/// <para>Memory is bounded whatever the file size: one pooled 1 MiB buffer plus, pooled too, a hash table and a
/// filter over the base's blocks (16 to 28 bytes a block). Copies of consecutive base blocks are merged (up to
/// <see cref="MaxCopyLength"/>); literal runs are cut at <see cref="MaxLiteralLength"/>.</para>
/// <para>Speed: unchanged content costs one XxHash128 per block (GB/s); content that matches nothing costs the
/// rolling checksum and a filter probe per byte, about an order of magnitude slower.</para>
/// <para>A short last base block can only match the very end of the new content, as in rsync; data appended after
/// an old file's last partial block therefore costs that block as a literal.</para>
/// <para>Threading: one call runs on whatever thread resumes it; <c>emit</c> is awaited before the encoder goes on,
/// so the callback never runs concurrently with itself.</para>
/// </remarks>
public sealed class DeltaEncoder
{
    /// <summary>The longest literal op emitted.</summary>
    public const int MaxLiteralLength = 256 << 10;

    /// <summary>The longest copy op emitted: merging stops here so lengths stay far from int overflow.</summary>
    public const int MaxCopyLength = 1 << 30;

    // Holds the pending literal (< MaxLiteralLength) plus a window (<= MaxBlockSize) after compaction, with room to read.
    private const int BufferSize = 1 << 20;

    // Bounds the work at one offset when many base blocks share a weak checksum but differ (a crafted base).
    private const int MaxCandidates = 64;

    private const ulong HashMultiplier = BaseBlockTable.HashMultiplier;

    private readonly BlockSignature _signature;
    private readonly Stream _source;
    private readonly DeltaOpCoalescer _ops;
    private readonly CancellationToken _cancellationToken;
    private readonly int _blockSize;
    private readonly int _blockShift;
    private readonly int _fullBlocks;
    private readonly int _tailIndex;
    private readonly int _tailLength;

    private byte[] _buffer = [];
    private BaseBlockTable _table = BaseBlockTable.Empty;

    // The table's arrays and shifts, copied here so the hot loop reads them without an indirection.
    private int[] _buckets = [];
    private int[] _chain = [];
    private ulong[] _filter = [];
    private int _bucketShift;
    private int _filterShift;

    // The buffer holds [0, _end): [_literalStart, _position) is unmatched and not yet emitted, the window starts at _position.
    private int _literalStart;
    private int _position;
    private int _end;
    private bool _eof;

    private uint _sumA;
    private uint _sumB;
    private bool _rolling;

    private DeltaEncoder(BlockSignature signature, Stream source, Func<DeltaOp, CancellationToken, ValueTask> emit, CancellationToken cancellationToken)
    {
        _signature = signature;
        _source = source;
        _ops = new DeltaOpCoalescer(emit, cancellationToken);
        _cancellationToken = cancellationToken;
        _blockSize = signature.BlockSize;
        _blockShift = BitOperations.Log2((uint)_blockSize);
        _fullBlocks = (int)(signature.BaseLength / _blockSize);
        _tailLength = (int)(signature.BaseLength % _blockSize);
        _tailIndex = _tailLength > 0 ? _fullBlocks : -1;
    }

    private enum ScanResult
    {
        Match,
        NeedData,
        LiteralFull,
    }

    /// <summary>
    /// Streams <paramref name="newContent"/> to its end and calls <paramref name="emit"/> with the ops that rebuild it
    /// from the content <paramref name="baseSignature"/> describes, in order.
    /// </summary>
    /// <param name="emit">
    /// Receives each op. A literal's <see cref="DeltaOp.Data"/> points into the encoder's buffer and is only valid
    /// until the returned task completes: copy it to keep it.
    /// </param>
    public static async Task EncodeAsync(
        BlockSignature baseSignature, Stream newContent, Func<DeltaOp, CancellationToken, ValueTask> emit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(baseSignature);
        ArgumentNullException.ThrowIfNull(newContent);
        ArgumentNullException.ThrowIfNull(emit);

        var encoder = new DeltaEncoder(baseSignature, newContent, emit, cancellationToken);
        try
        {
            await encoder.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            encoder.ReturnBuffers();
        }
    }

    private async Task RunAsync()
    {
        _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        BuildTable();
        while (true)
        {
            _cancellationToken.ThrowIfCancellationRequested();

            // One byte beyond the window, so the scan can roll at least once.
            if (!_eof && _end - _position <= _blockSize)
            {
                await FillAsync().ConfigureAwait(false);
                continue;
            }

            if (_end - _position < _blockSize)
            {
                await FinishAsync().ConfigureAwait(false);
                return;
            }

            switch (Scan(out var block))
            {
                case ScanResult.Match:
                    await EmitLiteralAsync(_literalStart, _position - _literalStart).ConfigureAwait(false);
                    await AddCopyAsync(block, _blockSize).ConfigureAwait(false);
                    _position += _blockSize;
                    _literalStart = _position;
                    _rolling = false;
                    break;
                case ScanResult.LiteralFull:
                    await EmitLiteralAsync(_literalStart, MaxLiteralLength).ConfigureAwait(false);
                    _literalStart += MaxLiteralLength;
                    break;
                case ScanResult.NeedData when _eof:
                    await FinishAsync().ConfigureAwait(false);
                    return;
                case ScanResult.NeedData:
                    await FillAsync().ConfigureAwait(false);
                    break;
            }
        }
    }

    private void BuildTable()
    {
        _table = BaseBlockTable.Build(_signature.WeakChecksums, _fullBlocks);
        (_buckets, _chain, _filter, _bucketShift, _filterShift) = (_table.Buckets, _table.Chain, _table.Filter, _table.BucketShift, _table.FilterShift);
    }

    /// <summary>
    /// Rolls the window forward from <see cref="_position"/> until a base block matches, the buffer runs out of
    /// lookahead, or the pending literal reaches <see cref="MaxLiteralLength"/>. Synchronous: this is the hot loop.
    /// </summary>
    private ScanResult Scan(out int block)
    {
        block = -1;
        var blockSize = _blockSize;
        var position = _position;
        var lastWindow = _end - blockSize;
        var literalLimit = _literalStart + MaxLiteralLength;

        if (_fullBlocks == 0)
        {
            // No block can match; skip ahead as far as the literal cap and the lookahead allow.
            _position = Math.Min(lastWindow, literalLimit);
            return _position == literalLimit ? ScanResult.LiteralFull : ScanResult.NeedData;
        }

        if (!_rolling)
        {
            // Right after a copy, the next base block is the likeliest match and keeps the copy growing. Its strong
            // hash alone decides, which saves computing the weak sums when content is unchanged.
            var copyEnd = _ops.PendingCopyEnd;
            if (position == _literalStart && copyEnd > 0 && (copyEnd & (blockSize - 1)) == 0)
            {
                var next = (int)(copyEnd >> _blockShift);
                if (next < _fullBlocks
                    && _signature.StrongHashes[next] == XxHash128.HashToUInt128(_buffer.AsSpan(position, blockSize)))
                {
                    block = next;
                    return ScanResult.Match;
                }
            }

            WeakChecksum.Sums(_buffer.AsSpan(position, blockSize), out _sumA, out _sumB);
            _rolling = true;
        }

        var a = _sumA;
        var b = _sumB;
        var stop = Math.Min(lastWindow, literalLimit);
        var result = ScanResult.NeedData;
        while (true)
        {
            position = RollToCandidate(position, stop, ref a, ref b);
            var key = WeakChecksum.Pack(a, b);
            var head = _buckets[(int)((key * HashMultiplier) >> _bucketShift)];
            if (head >= 0)
            {
                block = FindBlock(head, key, position);
                if (block >= 0)
                {
                    result = ScanResult.Match;
                    break;
                }
            }

            if (position >= stop)
            {
                result = position == literalLimit ? ScanResult.LiteralFull : ScanResult.NeedData;
                break;
            }

            Roll(position, ref a, ref b);
            position++;
        }

        _position = position;
        _sumA = a;
        _sumB = b;
        return result;
    }

    /// <summary>
    /// The hot loop: rolls the checksum from <paramref name="position"/> until the filter lets the window's checksum
    /// through or <paramref name="stop"/> is reached, and returns that position. Kept apart from the rare work of a
    /// filter hit so the JIT holds every variable in a register.
    /// </summary>
    private int RollToCandidate(int position, int stop, ref uint sumA, ref uint sumB)
    {
        // Indices stay within [0, _end) and filter indices within the filter, so the loop skips bounds checks.
        ref var data = ref MemoryMarshal.GetArrayDataReference(_buffer);
        ref var filter = ref MemoryMarshal.GetArrayDataReference(_filter);
        var filterShift = _filterShift;
        var blockSize = _blockSize;
        var shift = _blockShift;
        var a = sumA;
        var b = sumB;
        while (true)
        {
            var hash = WeakChecksum.Pack(a, b) * HashMultiplier;
            var bits = FilterBits(hash);
            if ((Unsafe.Add(ref filter, (int)(hash >> filterShift)) & bits) == bits || position >= stop)
            {
                break;
            }

            uint outgoing = Unsafe.Add(ref data, position);
            uint incoming = Unsafe.Add(ref data, position + blockSize);
            a += incoming - outgoing;
            b += a - (outgoing << shift);
            position++;
        }

        sumA = a;
        sumB = b;
        return position;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong FilterBits(ulong hash) => BaseBlockTable.FilterBits(hash);

    private void Roll(int position, ref uint a, ref uint b)
    {
        uint outgoing = _buffer[position];
        uint incoming = _buffer[position + _blockSize];
        a += incoming - outgoing;
        b += a - (outgoing << _blockShift);
    }

    private int FindBlock(int head, uint key, int position)
    {
        var weak = _signature.WeakChecksums;
        var strong = _signature.StrongHashes;
        var haveHash = false;
        UInt128 hash = default;
        var candidate = head;
        for (var probes = 0; candidate >= 0 && probes < MaxCandidates; probes++)
        {
            if (weak[candidate] == key)
            {
                if (!haveHash)
                {
                    hash = XxHash128.HashToUInt128(_buffer.AsSpan(position, _blockSize));
                    haveHash = true;
                }

                if (strong[candidate] == hash)
                {
                    return candidate;
                }
            }

            candidate = _chain[candidate];
        }

        return -1;
    }

    /// <summary>The window no longer fits before the end of the content: only the base's short last block can still match, at the very end.</summary>
    private async Task FinishAsync()
    {
        var literalEnd = _end;
        if (_tailIndex >= 0 && _end - _tailLength >= _literalStart)
        {
            var tailStart = _end - _tailLength;
            if (_signature.StrongHashes[_tailIndex] == XxHash128.HashToUInt128(_buffer.AsSpan(tailStart, _tailLength)))
            {
                literalEnd = tailStart;
            }
        }

        await EmitLiteralAsync(_literalStart, literalEnd - _literalStart).ConfigureAwait(false);
        if (literalEnd < _end)
        {
            await AddCopyAsync(_tailIndex, _tailLength).ConfigureAwait(false);
        }

        await FlushCopyAsync().ConfigureAwait(false);
    }

    /// <summary>Slides the unconsumed bytes to the front of the buffer and reads until it is full or the content ends.</summary>
    private async Task FillAsync()
    {
        if (_literalStart > 0)
        {
            _buffer.AsSpan(_literalStart, _end - _literalStart).CopyTo(_buffer);
            _position -= _literalStart;
            _end -= _literalStart;
            _literalStart = 0;
        }

        // Cannot happen while the pending literal stays under its cap; a full buffer here would otherwise loop forever.
        if (_end == _buffer.Length)
        {
            throw new InvalidOperationException("delta encoder buffer is full of unconsumed bytes");
        }

        while (_end < _buffer.Length)
        {
            var read = await _source.ReadAsync(_buffer.AsMemory(_end), _cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                _eof = true;
                break;
            }

            _end += read;
        }
    }

    private ValueTask AddCopyAsync(int block, int length) => _ops.AddCopyAsync((long)block << _blockShift, length);

    private ValueTask FlushCopyAsync() => _ops.FlushCopyAsync();

    private ValueTask EmitLiteralAsync(int start, int length) => _ops.EmitLiteralAsync(_buffer.AsMemory(start, length));

    private void ReturnBuffers()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _table.Dispose();
        _buffer = [];
        _buckets = [];
        _chain = [];
        _filter = [];
    }
}
