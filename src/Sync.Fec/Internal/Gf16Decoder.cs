using System.Buffers;
using System.Numerics;

namespace Sync.Fec.Internal;

/// <summary>
/// Decode of the GF(2^16) code by the error locator (Lin, Han and Chung; Leopard). Over a domain [0, n) that holds
/// every symbol used, with E the erased positions and Λ(x) = Π_(e in E) (x - ω_e): the known values times Λ are the
/// values of R = P·Λ, whose degree is below n because |E| = n - deg bound; an inverse transform gives R's
/// coefficients, the formal derivative R' = P'Λ + PΛ' is P·Λ' at every erased point, so a forward transform and a
/// division by Λ'(ω_e) there give the lost values. Λ and Λ' come from <see cref="ErrorLocator"/> once per call;
/// the rest runs in the four cache-sized steps of <see cref="FourStep"/> (per column strip only for symbols over
/// <see cref="Gf16Strips.MaxBytes"/>). Stateless apart from the shape; thread-safe.
/// </summary>
internal sealed unsafe class Gf16Decoder(Gf16CodeShape shape, Gf16Engine engine)
{
    public void Decode(
        ReadOnlySpan<Memory<byte>> data, ReadOnlySpan<bool> present, ReadOnlySpan<int> repairIndices, ReadOnlySpan<ReadOnlyMemory<byte>> repairs,
        int lostCount, int symbolLength)
    {
        // Use the lostCount repairs with the lowest positions: the smallest domain, so the cheapest transforms.
        var orderArray = ArrayPool<int>.Shared.Rent(repairs.Length);
        var keysArray = ArrayPool<int>.Shared.Rent(repairs.Length);
        var order = orderArray.AsSpan(0, repairs.Length);
        var keys = keysArray.AsSpan(0, repairs.Length);
        for (var n = 0; n < repairs.Length; n++)
        {
            order[n] = n;
            keys[n] = shape.RepairPosition(repairIndices[n]);
        }

        keys.Sort(order);
        var domain = Math.Max(shape.Domain, (int)BitOperations.RoundUpToPowerOf2((uint)keys[lostCount - 1] + 1));
        var erasedArray = ArrayPool<bool>.Shared.Rent(domain);
        var knownArray = ArrayPool<bool>.Shared.Rent(domain);
        var lostArray = ArrayPool<bool>.Shared.Rent(domain);
        var logsArray = ArrayPool<ushort>.Shared.Rent(domain);
        var knownPrefixArray = ArrayPool<int>.Shared.Rent(domain + 1);
        var lostPrefixArray = ArrayPool<int>.Shared.Rent(domain + 1);
        try
        {
            var erased = erasedArray.AsSpan(0, domain);
            var known = knownArray.AsSpan(0, domain);
            var lost = lostArray.AsSpan(0, domain);
            Classify(present, keys[..lostCount], erased, known, lost);
            var logs = logsArray.AsSpan(0, domain);
            ErrorLocator.Compute(erased, logs);
            var knownSet = PositionSet.Build(known, knownPrefixArray);
            var lostSet = PositionSet.Build(lost, lostPrefixArray);

            var stride = Gf16Strips.MaxStride(symbolLength);
            var pipeline = new FourStep(domain, stride);
            var blockKnownArray = ArrayPool<bool>.Shared.Rent(pipeline.Blocks);
            var blockLostArray = ArrayPool<bool>.Shared.Rent(pipeline.Blocks);
            var blockKnownPrefix = ArrayPool<int>.Shared.Rent(pipeline.Blocks + 1);
            var blockLostPrefix = ArrayPool<int>.Shared.Rent(pipeline.Blocks + 1);
            using var scratch = new PinnedScratch(pipeline.BufferBytes);
            try
            {
                var blockKnown = blockKnownArray.AsSpan(0, pipeline.Blocks);
                var blockLost = blockLostArray.AsSpan(0, pipeline.Blocks);
                for (var b = 0; b < pipeline.Blocks; b++)
                {
                    blockKnown[b] = knownSet.Any(b << pipeline.BottomLayers, pipeline.BlockSize);
                    blockLost[b] = lostSet.Any(b << pipeline.BottomLayers, pipeline.BlockSize);
                }

                var sets = new BlockSets(knownSet, lostSet, PositionSet.Build(blockKnown, blockKnownPrefix), PositionSet.Build(blockLost, blockLostPrefix));
                for (var s = 0; s < Gf16Strips.Count(symbolLength); s++)
                {
                    var strip = new ColumnStrip(Gf16Strips.Strip(symbolLength, s), stride);
                    DecodeStrip(data, keys[..lostCount], order, repairs, logs, known, lost, sets, pipeline, strip, scratch.Pointer);
                }
            }
            finally
            {
                ArrayPool<int>.Shared.Return(blockLostPrefix);
                ArrayPool<int>.Shared.Return(blockKnownPrefix);
                ArrayPool<bool>.Shared.Return(blockLostArray);
                ArrayPool<bool>.Shared.Return(blockKnownArray);
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(lostPrefixArray);
            ArrayPool<int>.Shared.Return(knownPrefixArray);
            ArrayPool<ushort>.Shared.Return(logsArray);
            ArrayPool<bool>.Shared.Return(lostArray);
            ArrayPool<bool>.Shared.Return(knownArray);
            ArrayPool<bool>.Shared.Return(erasedArray);
            ArrayPool<int>.Shared.Return(keysArray);
            ArrayPool<int>.Shared.Return(orderArray);
        }
    }

    /// <summary>
    /// One strip, in four steps that each keep their slots in cache (see <see cref="FourStep"/>): (1) per contiguous
    /// block, the known values times Λ and the inverse transform's bottom layers; (2) per strided group, its top
    /// layers; (3) per group in increasing order, the formal derivative (within the group, plus the groups that differ
    /// in one bottom bit, still untouched) and the forward transform's top layers; (4) per block that holds lost
    /// symbols, the bottom layers and the division by Λ' into the caller's symbols.
    /// </summary>
    private void DecodeStrip(
        ReadOnlySpan<Memory<byte>> data, ReadOnlySpan<int> usedRepairPositions, ReadOnlySpan<int> order, ReadOnlySpan<ReadOnlyMemory<byte>> repairs,
        ReadOnlySpan<ushort> logs, ReadOnlySpan<bool> known, ReadOnlySpan<bool> lostMarks, BlockSets sets, FourStep pipeline, ColumnStrip strip, byte* work)
    {
        var bottom = pipeline.BottomLayers;
        var groupStride = pipeline.GroupStride;
        var nextRepair = 0;
        PrefetchConstants(logs, known, 0, pipeline.BlockSize, inverse: false);
        for (var b = 0; b < pipeline.Blocks; b++)
        {
            var start = b << bottom;
            var end = start + pipeline.BlockSize;
            PrefetchConstants(logs, known, end, pipeline.BlockSize, inverse: false);
            for (var position = start; position < end; position++)
            {
                if (!known[position])
                {
                    new Span<byte>(pipeline.Slot(work, position), strip.Width).Clear();
                }
                else if (position >= shape.Window && position < shape.Window + shape.DataSymbols)
                {
                    MultiplyIn(pipeline.Slot(work, position), strip, position, data[position - shape.Window].Span, logs);
                }
            }

            for (; nextRepair < usedRepairPositions.Length && usedRepairPositions[nextRepair] < end; nextRepair++)
            {
                MultiplyIn(pipeline.Slot(work, usedRepairPositions[nextRepair]), strip, usedRepairPositions[nextRepair], repairs[order[nextRepair]].Span, logs);
            }

            engine.Inverse(pipeline.Slot(work, start), strip.Stride, strip.Width, pipeline.BlockSize, start, 0, bottom, strip.PhaseLayers, sets.Known.From(start));
        }

        for (var low = 0; low < pipeline.BlockSize; low++)
        {
            engine.Inverse(pipeline.Slot(work, low), groupStride, strip.Width, pipeline.Blocks, 0, 0, pipeline.TopLayers, strip.PhaseLayers, sets.BlockKnown);
        }

        for (var low = 0; low < pipeline.BlockSize; low++)
        {
            var group = pipeline.Slot(work, low);
            RegionXor.FormalDerivativePlusSelf(group, groupStride, strip.Width, pipeline.Blocks);
            for (var bit = 0; bit < bottom; bit++)
            {
                if ((low >> bit & 1) == 0)
                {
                    var untouched = pipeline.Slot(work, low | 1 << bit);
                    for (var j = 0; j < pipeline.Blocks; j++)
                    {
                        RegionXor.Into(group + j * groupStride, untouched + j * groupStride, strip.Width);
                    }
                }
            }

            engine.Forward(group, groupStride, strip.Width, pipeline.Blocks, 0, 0, pipeline.TopLayers, strip.PhaseLayers, sets.BlockLost);
        }

        for (var b = 0; b < pipeline.Blocks; b++)
        {
            var start = b << bottom;
            if (!sets.Lost.Any(start, pipeline.BlockSize))
            {
                continue;
            }

            PrefetchConstants(logs, lostMarks, start, pipeline.BlockSize, inverse: true);
            engine.Forward(pipeline.Slot(work, start), strip.Stride, strip.Width, pipeline.BlockSize, start, 0, bottom, strip.PhaseLayers, sets.Lost.From(start));
            for (var position = start; position < start + pipeline.BlockSize; position++)
            {
                if (lostMarks[position])
                {
                    fixed (byte* symbol = data[position - shape.Window].Span)
                    {
                        engine.Multiply(symbol + strip.Offset, pipeline.Slot(work, position), strip.Width, Gf16.Exp(Gf16.Modulus - logs[position]));
                    }
                }
            }
        }
    }

    /// <summary>The tables of the next block's constants are random reads into megabytes of tables: start them early.</summary>
    private void PrefetchConstants(ReadOnlySpan<ushort> logs, ReadOnlySpan<bool> marked, int start, int count, bool inverse)
    {
        var end = Math.Min(start + count, logs.Length);
        for (var position = start; position < end; position++)
        {
            if (marked[position])
            {
                engine.Prefetch(Gf16.Exp(inverse ? Gf16.Modulus - logs[position] : logs[position]));
            }
        }
    }

    /// <summary>Which positions and which blocks hold known inputs and lost outputs.</summary>
    private readonly ref struct BlockSets(PositionSet known, PositionSet lost, PositionSet blockKnown, PositionSet blockLost)
    {
        public PositionSet Known { get; } = known;

        public PositionSet Lost { get; } = lost;

        public PositionSet BlockKnown { get; } = blockKnown;

        public PositionSet BlockLost { get; } = blockLost;
    }

    /// <summary>
    /// Over the domain: every repair position the decode does not use and every lost data position is erased; the
    /// zero padding between the data and N is known (and zero); received data and the used repairs are known.
    /// </summary>
    private void Classify(ReadOnlySpan<bool> present, ReadOnlySpan<int> usedRepairPositions, Span<bool> erased, Span<bool> known, Span<bool> lost)
    {
        erased.Fill(true);
        known.Clear();
        lost.Clear();
        erased[(shape.Window + shape.DataSymbols)..shape.Domain].Clear();
        for (var i = 0; i < shape.DataSymbols; i++)
        {
            var position = shape.DataPosition(i);
            erased[position] = !present[i];
            known[position] = present[i];
            lost[position] = !present[i];
        }

        foreach (var position in usedRepairPositions)
        {
            erased[position] = false;
            known[position] = true;
        }
    }

    /// <summary>The slot of <paramref name="position"/> = the symbol's strip times Λ(ω_position).</summary>
    private void MultiplyIn(byte* slot, ColumnStrip strip, int position, ReadOnlySpan<byte> symbol, ReadOnlySpan<ushort> logs)
    {
        fixed (byte* source = symbol)
        {
            engine.Multiply(slot, source + strip.Offset, strip.Width, Gf16.Exp(logs[position]));
        }
    }
}
