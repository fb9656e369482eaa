using System.Buffers;
using System.Numerics;

namespace Sync.Fec.Internal;

/// <summary>
/// Decode of the GF(2^16) code by the error locator (Lin, Han and Chung; Leopard). Over a domain [0, n) that holds
/// every symbol used, with E the erased positions and Λ(x) = Π_(e in E) (x - ω_e): the known values times Λ are the
/// values of R = P·Λ, whose degree is below n because |E| = n - deg bound; an inverse transform gives R's
/// coefficients, the formal derivative R' = P'Λ + PΛ' is P·Λ' at every erased point, so a forward transform and a
/// division by Λ'(ω_e) there give the lost values. Λ and Λ' come from <see cref="ErrorLocator"/> once per call;
/// the transforms run per column strip. Stateless apart from the shape; thread-safe.
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
            using var scratch = new PinnedScratch((long)stride * domain);
            var work = scratch.Pointer;
            for (var s = 0; s < Gf16Strips.Count(symbolLength); s++)
            {
                var strip = new ColumnStrip(Gf16Strips.Strip(symbolLength, s), stride);
                for (var position = 0; position < domain; position++)
                {
                    if (!known[position])
                    {
                        strip.Clear(work, position);
                    }
                }

                for (var i = 0; i < shape.DataSymbols; i++)
                {
                    if (present[i])
                    {
                        MultiplyIn(work, strip, shape.DataPosition(i), data[i].Span, logs);
                    }
                }

                for (var n = 0; n < lostCount; n++)
                {
                    MultiplyIn(work, strip, keys[n], repairs[order[n]].Span, logs);
                }

                var layers = BitOperations.Log2((uint)domain);
                engine.Inverse(work, strip.Stride, strip.Width, domain, 0, 0, layers, strip.PhaseLayers, knownSet);
                RegionXor.FormalDerivativePlusSelf(work, strip.Stride, strip.Width, domain);
                engine.Forward(work, strip.Stride, strip.Width, domain, 0, 0, layers, strip.PhaseLayers, lostSet);
                for (var i = 0; i < shape.DataSymbols; i++)
                {
                    if (!present[i])
                    {
                        var position = shape.DataPosition(i);
                        fixed (byte* symbol = data[i].Span)
                        {
                            engine.Multiply(symbol + strip.Offset, strip.Slot(work, position), strip.Width, Gf16.Exp(Gf16.Modulus - logs[position]));
                        }
                    }
                }
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

    /// <summary>Slot <paramref name="position"/> = the symbol's strip times Λ(ω_position).</summary>
    private void MultiplyIn(byte* work, ColumnStrip strip, int position, ReadOnlySpan<byte> symbol, ReadOnlySpan<ushort> logs)
    {
        fixed (byte* source = symbol)
        {
            engine.Multiply(strip.Slot(work, position), source + strip.Offset, strip.Width, Gf16.Exp(logs[position]));
        }
    }
}
