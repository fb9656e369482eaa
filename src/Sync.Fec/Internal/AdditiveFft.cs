using System.Numerics;
using Sync.Fec.Internal.Gf16Ops;

namespace Sync.Fec.Internal;

/// <summary>
/// What is this? Lin, Han and Chung's additive FFT over GF(2^16) in their novel polynomial basis, on regions: the
/// forward transform takes the coefficients of a polynomial of degree &lt; n to its values at the n points
/// <c>ω_base .. ω_(base+n-1)</c> (an aligned coset: base is a multiple of n), the inverse takes values back to
/// coefficients. Layer l pairs positions 2^l apart; with a Cantor basis its twiddle at group base g is the element
/// <c>(base + g) &gt;&gt; l</c> (see <see cref="Gf16"/>), so no twiddle table is needed beyond the constants'
/// multiplication tables.
/// </summary>
/// <remarks>
/// Cache: the layers are cut into phases of a few layers. A phase touches, for each combination of the position bits
/// outside it, only the 2^(phase layers) symbols that differ in its own bits, and runs all its layers on that small
/// strided group while it sits in L1/L2; two layers go per pass through <see cref="Butterflies{TOps,TUnit,TConstant}"/>.
/// So a transform streams the work buffer through memory once per phase instead of once per layer.
/// Skipping: the inverse skips butterflies whose inputs are all known to be zero (they stay zero), the forward ones
/// whose outputs no needed position depends on. Stateless and thread-safe; the caller owns the buffer.
/// </remarks>
internal static unsafe class AdditiveFft<TOps, TUnit, TConstant>
    where TOps : struct, IGf16Ops<TUnit, TConstant>
    where TUnit : struct
    where TConstant : struct
{
    /// <summary>
    /// Inverse layers [<paramref name="fromLayer"/>, <paramref name="toLayer"/>), bottom-up, on the n symbols at
    /// <c>work + i·stride</c> (<paramref name="bytes"/> each) that hold positions <c>basePosition + i</c>.
    /// <paramref name="nonzero"/> holds the positions whose inputs may be non-zero; the others must be zero bytes.
    /// </summary>
    public static void Inverse(byte* work, nint stride, int bytes, int n, int basePosition, int fromLayer, int toLayer, int phaseLayers, PositionSet nonzero)
    {
        for (var l0 = fromLayer; l0 < toLayer;)
        {
            var l1 = l0 + PhaseSize(toLayer - l0, phaseLayers);
            InversePhase(work, stride, bytes, n, basePosition, l0, l1, nonzero);
            l0 = l1;
        }
    }

    /// <summary>
    /// Forward layers [<paramref name="fromLayer"/>, <paramref name="toLayer"/>), top-down; only the outputs at the
    /// positions in <paramref name="needed"/> are computed (the others are left with meaningless bytes).
    /// </summary>
    public static void Forward(byte* work, nint stride, int bytes, int n, int basePosition, int fromLayer, int toLayer, int phaseLayers, PositionSet needed)
    {
        for (var l1 = toLayer; l1 > fromLayer;)
        {
            var l0 = l1 - PhaseSize(l1 - fromLayer, phaseLayers);
            ForwardPhase(work, stride, bytes, n, basePosition, l0, l1, needed);
            l1 = l0;
        }
    }

    /// <summary>Layers in the next phase: the remaining ones split evenly into phases of at most <paramref name="phaseLayers"/>.</summary>
    private static int PhaseSize(int remaining, int phaseLayers)
    {
        var phases = (remaining + phaseLayers - 1) / phaseLayers;
        return (remaining + phases - 1) / phases;
    }

    private static void InversePhase(byte* work, nint stride, int bytes, int n, int basePosition, int l0, int l1, PositionSet nonzero)
    {
        var span = 1 << l1;
        var lowCount = 1 << l0;
        var groupBits = l1 - l0;
        var step = stride << l0;
        for (var block = 0; block < n; block += span)
        {
            if (!nonzero.Any(block, span))
            {
                continue;
            }

            for (var low = 0; low < lowCount; low++)
            {
                var first = work + (block + low) * stride;
                var l = l0;
                for (; l + 1 < l1; l += 2)
                {
                    var a = l - l0;
                    for (var q = 0; q < 1 << (groupBits - 2); q++)
                    {
                        var j = Spread(q, a, 2);
                        var start = block + (j << l0);
                        if (!nonzero.Any(start & ~((1 << l) - 1), 4 << l))
                        {
                            continue;
                        }

                        var twiddle = (basePosition + start) >> l;
                        var x0 = first + j * step;
                        var x1 = x0 + (step << a);
                        Butterflies<TOps, TUnit, TConstant>.Inverse2(
                            x0, x1, x1 + (step << a), x1 + (step << (a + 1)), bytes, (ushort)twiddle, (ushort)(twiddle + 2), (ushort)(twiddle >> 1));
                    }
                }

                if (l < l1)
                {
                    var a = l - l0;
                    for (var q = 0; q < 1 << (groupBits - 1); q++)
                    {
                        var j = Spread(q, a, 1);
                        var start = block + (j << l0);
                        if (!nonzero.Any(start & ~((1 << l) - 1), 2 << l))
                        {
                            continue;
                        }

                        var x0 = first + j * step;
                        Butterflies<TOps, TUnit, TConstant>.Inverse1(x0, x0 + (step << a), bytes, (ushort)((basePosition + start) >> l));
                    }
                }
            }
        }
    }

    private static void ForwardPhase(byte* work, nint stride, int bytes, int n, int basePosition, int l0, int l1, PositionSet needed)
    {
        var span = 1 << l1;
        var lowCount = 1 << l0;
        var groupBits = l1 - l0;
        var step = stride << l0;
        for (var block = 0; block < n; block += span)
        {
            if (!needed.Any(block, span))
            {
                continue;
            }

            for (var low = 0; low < lowCount; low++)
            {
                var first = work + (block + low) * stride;
                var l = l1;
                if ((groupBits & 1) != 0)
                {
                    l--;
                    var a = l - l0;
                    for (var q = 0; q < 1 << (groupBits - 1); q++)
                    {
                        var j = Spread(q, a, 1);
                        var start = block + (j << l0);
                        if (!needed.Any(start & ~((1 << l) - 1), 2 << l))
                        {
                            continue;
                        }

                        var x0 = first + j * step;
                        Butterflies<TOps, TUnit, TConstant>.Forward1(x0, x0 + (step << a), bytes, (ushort)((basePosition + start) >> l));
                    }
                }

                for (; l - 2 >= l0; l -= 2)
                {
                    var lower = l - 2;
                    var a = lower - l0;
                    for (var q = 0; q < 1 << (groupBits - 2); q++)
                    {
                        var j = Spread(q, a, 2);
                        var start = block + (j << l0);
                        if (!needed.Any(start & ~((1 << lower) - 1), 4 << lower))
                        {
                            continue;
                        }

                        var twiddle = (basePosition + start) >> lower;
                        var x0 = first + j * step;
                        var x1 = x0 + (step << a);
                        Butterflies<TOps, TUnit, TConstant>.Forward2(
                            x0, x1, x1 + (step << a), x1 + (step << (a + 1)), bytes, (ushort)twiddle, (ushort)(twiddle + 2), (ushort)(twiddle >> 1));
                    }
                }
            }
        }
    }

    /// <summary>Inserts <paramref name="width"/> zero bits at bit <paramref name="at"/> of <paramref name="value"/>.</summary>
    private static int Spread(int value, int at, int width)
    {
        var lowMask = (1 << at) - 1;
        return ((value & ~lowMask) << width) | (value & lowMask);
    }
}
