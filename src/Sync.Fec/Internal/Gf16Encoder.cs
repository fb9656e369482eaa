using System.Buffers;
using System.Numerics;

namespace Sync.Fec.Internal;

/// <summary>
/// Encode of the GF(2^16) code (whole symbols up to 4 KiB, column strips beyond, see <see cref="Gf16Strips"/>). First-window repairs: the
/// W-point inverse transform of each W-sized data chunk (its coset's values to coefficients), summed, then one
/// W-point forward transform onto positions 0..W-1; this works because the inverse transforms of all the W-sized
/// cosets of a polynomial of degree &lt; N - W sum to zero. Fresh repairs: the chunk transforms plus the upper
/// layers of the N-point inverse give the codeword's coefficients, then an N-point forward transform onto each
/// coset of N positions that holds a requested repair. Stateless apart from the shape; thread-safe.
/// </summary>
internal sealed unsafe class Gf16Encoder(Gf16CodeShape shape, Gf16Engine engine)
{
    /// <param name="positions">The field position of each output.</param>
    public void Encode(ReadOnlySpan<ReadOnlyMemory<byte>> data, ReadOnlySpan<int> positions, ReadOnlySpan<Memory<byte>> outputs, int symbolLength)
    {
        var stride = Gf16Strips.MaxStride(symbolLength);
        var prefixArray = ArrayPool<int>.Shared.Rent(shape.Domain + 1);
        var neededArray = ArrayPool<bool>.Shared.Rent(shape.Domain);
        var freshCosets = FreshCosets(positions);
        using var scratch = new PinnedScratch((long)stride * (freshCosets switch { 0 => 2 * shape.Window, 1 => shape.Domain + shape.Window, _ => 2 * shape.Domain + shape.Window }));
        try
        {
            for (var s = 0; s < Gf16Strips.Count(symbolLength); s++)
            {
                var strip = new ColumnStrip(Gf16Strips.Strip(symbolLength, s), stride);
                if (freshCosets > 0)
                {
                    EncodeWithFresh(data, positions, outputs, strip, scratch.Pointer, prefixArray, neededArray);
                }
                else
                {
                    var window = scratch.Pointer;
                    SumOfChunkTransforms(data, strip, window, window + (nint)shape.Window * stride, keepChunks: false, prefixArray);
                    ForwardOnto(positions, outputs, strip, window, 0, shape.Window, prefixArray, neededArray);
                }
            }
        }
        finally
        {
            ArrayPool<bool>.Shared.Return(neededArray);
            ArrayPool<int>.Shared.Return(prefixArray);
        }
    }

    /// <summary>
    /// Scratch: the window, the domain (coefficients), and a copy of the coefficients for each target coset but the
    /// last, which is transformed in place (a later pass's fresh repairs usually fill one coset).
    /// </summary>
    private void EncodeWithFresh(
        ReadOnlySpan<ReadOnlyMemory<byte>> data, ReadOnlySpan<int> positions, ReadOnlySpan<Memory<byte>> outputs, ColumnStrip strip, byte* scratch, int[] prefixArray, bool[] neededArray)
    {
        var window = scratch;
        var domain = scratch + (nint)shape.Window * strip.Stride;
        var coset = domain + (nint)shape.Domain * strip.Stride;
        SumOfChunkTransforms(data, strip, domain, domain + (nint)shape.Window * strip.Stride, keepChunks: true, prefixArray);
        if (HasOutputIn(positions, 0, shape.Window))
        {
            strip.Copy(window, domain, shape.Window);
            ForwardOnto(positions, outputs, strip, window, 0, shape.Window, prefixArray, neededArray);
        }

        // Cosets past the data hold zeros; the upper layers turn the W-point transforms into the N coefficients.
        var used = (shape.Chunks + 1) * shape.Window;
        for (var slot = used; slot < shape.Domain; slot++)
        {
            strip.Clear(domain, slot);
        }

        engine.Inverse(
            domain, strip.Stride, strip.Width, shape.Domain, 0, Log2(shape.Window), Log2(shape.Domain), strip.PhaseLayers,
            Prefix(prefixArray, shape.Domain, used));
        var remaining = FreshCosets(positions);
        for (var start = shape.Domain; start < Gf16.Order; start += shape.Domain)
        {
            if (HasOutputIn(positions, start, shape.Domain))
            {
                var target = --remaining == 0 ? domain : coset;
                if (target == coset)
                {
                    strip.Copy(coset, domain, shape.Domain);
                }

                ForwardOnto(positions, outputs, strip, target, start, shape.Domain, prefixArray, neededArray);
            }
        }
    }

    /// <summary>How many N-sized cosets past the first domain hold a requested repair.</summary>
    private int FreshCosets(ReadOnlySpan<int> positions)
    {
        var count = 0;
        for (var start = shape.Domain; start < Gf16.Order; start += shape.Domain)
        {
            count += HasOutputIn(positions, start, shape.Domain) ? 1 : 0;
        }

        return count;
    }

    /// <summary>
    /// The W-point inverse transform of each W-sized data chunk (chunk c at positions W(c+1)..), summed into the W
    /// slots at <paramref name="sum"/>. With <paramref name="keepChunks"/> each chunk keeps its own W slots from
    /// <paramref name="chunks"/> on; otherwise one scratch chunk there is reused.
    /// </summary>
    private void SumOfChunkTransforms(ReadOnlySpan<ReadOnlyMemory<byte>> data, ColumnStrip strip, byte* sum, byte* chunks, bool keepChunks, int[] prefixArray)
    {
        for (var c = 0; c < shape.Chunks; c++)
        {
            var first = c * shape.Window;
            var count = Math.Min(shape.Window, shape.DataSymbols - first);
            var target = keepChunks ? chunks + (nint)c * shape.Window * strip.Stride : c == 0 ? sum : chunks;
            for (var j = 0; j < shape.Window; j++)
            {
                if (j < count)
                {
                    strip.Load(target, j, data[first + j].Span);
                }
                else
                {
                    strip.Clear(target, j);
                }
            }

            engine.Inverse(
                target, strip.Stride, strip.Width, shape.Window, shape.DataPosition(first), 0, Log2(shape.Window), strip.PhaseLayers,
                Prefix(prefixArray, shape.Window, count));
            if (target == sum)
            {
                continue;
            }

            if (c == 0)
            {
                strip.Copy(sum, target, shape.Window);
            }
            else
            {
                strip.XorInto(sum, target, shape.Window);
            }
        }
    }

    /// <summary>Forward-transforms the slots onto positions [start, start + n) and writes the outputs that lie there.</summary>
    private void ForwardOnto(
        ReadOnlySpan<int> positions, ReadOnlySpan<Memory<byte>> outputs, ColumnStrip strip, byte* slots, int start, int n, int[] prefixArray, bool[] neededArray)
    {
        if (!HasOutputIn(positions, start, n))
        {
            return;
        }

        var needed = neededArray.AsSpan(0, n);
        needed.Clear();
        foreach (var position in positions)
        {
            if (position >= start && position - start < n)
            {
                needed[position - start] = true;
            }
        }

        engine.Forward(slots, strip.Stride, strip.Width, n, start, 0, Log2(n), strip.PhaseLayers, PositionSet.Build(needed, prefixArray));
        for (var o = 0; o < outputs.Length; o++)
        {
            if (positions[o] >= start && positions[o] - start < n)
            {
                strip.Store(outputs[o].Span, slots, positions[o] - start);
            }
        }
    }

    private static bool HasOutputIn(ReadOnlySpan<int> positions, int start, int n)
    {
        foreach (var position in positions)
        {
            if (position >= start && position - start < n)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The positions [0, <paramref name="count"/>) of a domain of <paramref name="n"/>.</summary>
    private static PositionSet Prefix(int[] prefixArray, int n, int count)
    {
        for (var i = 0; i <= n; i++)
        {
            prefixArray[i] = Math.Min(i, count);
        }

        return new PositionSet(prefixArray.AsSpan(0, n + 1));
    }

    private static int Log2(int powerOfTwo) => BitOperations.Log2((uint)powerOfTwo);
}
