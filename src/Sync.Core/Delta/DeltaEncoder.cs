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

    // Fibonacci hashing: the top bits of the product depend on every bit of the weak checksum.
    private const ulong HashMultiplier = 0x9E37_79B9_7F4A_7C15;

    private readonly BlockSignature _signature;
    private readonly Stream _source;
    private readonly Func<DeltaOp, CancellationToken, ValueTask> _emit;
    private readonly CancellationToken _cancellationToken;
    private readonly int _blockSize;
    private readonly int _blockShift;
    private readonly int _fullBlocks;
    private readonly int _tailIndex;
    private readonly int _tailLength;

    private byte[] _buffer = [];
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

    private long _copyOffset;
    private int _copyLength;

    private DeltaEncoder(BlockSignature signature, Stream source, Func<DeltaOp, CancellationToken, ValueTask> emit, CancellationToken cancellationToken)
    {
        _signature = signature;
        _source = source;
        _emit = emit;
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

    /// <summary>
    /// Chains the full-size base blocks by bucket of their weak checksum, lowest index first, and adds them to a
    /// blocked Bloom filter of about 32 bits per block: two bits in one 64-bit word, so a probe is one load.
    /// </summary>
    /// <remarks>
    /// The filter is what makes non-matching content fast: with buckets alone, half the offsets would land on a
    /// used bucket, a branch the CPU cannot predict plus a walk of cold memory. The filter is small enough to stay
    /// in L2 (512 KiB at most for files up to 8 GiB) and lets well under one offset in a hundred through.
    /// </remarks>
    private void BuildTable()
    {
        if (_fullBlocks == 0)
        {
            return;
        }

        var blockBits = BitOperations.Log2(BitOperations.RoundUpToPowerOf2((uint)_fullBlocks));
        var bucketBits = Math.Max(8, blockBits + 1);
        var filterWordBits = Math.Clamp(blockBits - 1, 4, 19);
        _bucketShift = 64 - bucketBits;
        _filterShift = 64 - filterWordBits;
        _buckets = ArrayPool<int>.Shared.Rent(1 << bucketBits);
        _chain = ArrayPool<int>.Shared.Rent(_fullBlocks);
        _filter = ArrayPool<ulong>.Shared.Rent(1 << filterWordBits);
        _buckets.AsSpan(0, 1 << bucketBits).Fill(-1);
        _filter.AsSpan(0, 1 << filterWordBits).Clear();
        var weak = _signature.WeakChecksums;
        for (var i = _fullBlocks - 1; i >= 0; i--)
        {
            var hash = weak[i] * HashMultiplier;
            var bucket = (int)(hash >> _bucketShift);
            _chain[i] = _buckets[bucket];
            _buckets[bucket] = i;
            _filter[(int)(hash >> _filterShift)] |= FilterBits(hash);
        }
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
            if (position == _literalStart && _copyLength > 0 && ((_copyOffset + _copyLength) & (blockSize - 1)) == 0)
            {
                var next = (int)((_copyOffset + _copyLength) >> _blockShift);
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

    /// <summary>The two filter bits of a hash, from product bits 32-43: clear of the word index, which uses the top bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong FilterBits(ulong hash) => (1UL << (int)(hash >> 32)) | (1UL << (int)(hash >> 38));

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

    private async ValueTask AddCopyAsync(int block, int length)
    {
        var offset = (long)block << _blockShift;
        if (_copyLength > 0 && _copyOffset + _copyLength == offset && _copyLength <= MaxCopyLength - length)
        {
            _copyLength += length;
            return;
        }

        await FlushCopyAsync().ConfigureAwait(false);
        _copyOffset = offset;
        _copyLength = length;
    }

    private async ValueTask FlushCopyAsync()
    {
        if (_copyLength > 0)
        {
            var op = DeltaOp.Copy(_copyOffset, _copyLength);
            _copyLength = 0;
            await _emit(op, _cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask EmitLiteralAsync(int start, int length)
    {
        if (length == 0)
        {
            return;
        }

        await FlushCopyAsync().ConfigureAwait(false);
        while (length > 0)
        {
            var piece = Math.Min(length, MaxLiteralLength);
            await _emit(DeltaOp.Literal(_buffer.AsMemory(start, piece)), _cancellationToken).ConfigureAwait(false);
            start += piece;
            length -= piece;
        }
    }

    private void ReturnBuffers()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        if (_buckets.Length > 0)
        {
            ArrayPool<int>.Shared.Return(_buckets);
            ArrayPool<int>.Shared.Return(_chain);
            ArrayPool<ulong>.Shared.Return(_filter);
        }

        _buffer = [];
        _buckets = [];
        _chain = [];
        _filter = [];
    }
}
