using System.Numerics;

namespace Sync.Fec.Internal;

/// <summary>
/// The decoder's error locator Λ(x) = Π (x - ω_e) over the erased positions e, evaluated at every position of the
/// domain [0, n) in the log domain. log Λ(ω_i) = Σ_e log(ω_(i XOR e)) is a dyadic convolution of the erasure
/// indicator with the log table, so it is three Walsh-Hadamard transforms modulo 65535 (one of them precomputed per
/// n) instead of n·|E| multiplications. With log 0 taken as 0, an erased position gets log Π_(e' ≠ e)(ω_e - ω_e'),
/// which is log Λ'(ω_e): exactly what the decoder divides by there.
/// </summary>
internal static class ErrorLocator
{
    private const int Modulus = Gf16.Modulus;

    // FWHT of the log table restricted to [0, 2^t), times 2^-t (the inverse transform's scale), mod 65535.
    private static readonly ushort[]?[] s_transformedLogs = new ushort[17][];

    /// <summary>
    /// <paramref name="logs"/>[i] (n entries, n a power of two) becomes log Λ(ω_i) for positions not in
    /// <paramref name="erased"/> and log Λ'(ω_i) for those in it, each in [0, 65535).
    /// </summary>
    public static void Compute(ReadOnlySpan<bool> erased, Span<ushort> logs)
    {
        var n = erased.Length;
        for (var i = 0; i < n; i++)
        {
            logs[i] = erased[i] ? (ushort)1 : (ushort)0;
        }

        Transform(logs[..n]);
        var transformed = TransformedLogs(BitOperations.Log2((uint)n));
        for (var i = 0; i < n; i++)
        {
            logs[i] = MultiplyMod(logs[i], transformed[i]);
        }

        Transform(logs[..n]);
        for (var i = 0; i < n; i++)
        {
            if (logs[i] == Modulus)
            {
                logs[i] = 0;
            }
        }
    }

    /// <summary>The unnormalised Walsh-Hadamard transform mod 65535, in place; values stay in [0, 65535], 65535 meaning 0.</summary>
    internal static void Transform(Span<ushort> values)
    {
        var n = values.Length;
        for (var half = 1; half < n; half <<= 1)
        {
            for (var start = 0; start < n; start += 2 * half)
            {
                for (var j = start; j < start + half; j++)
                {
                    uint a = values[j];
                    uint b = values[j + half];
                    values[j] = Fold(a + b);
                    values[j + half] = Fold(a + (Modulus - b));
                }
            }
        }
    }

    private static ushort[] TransformedLogs(int log2)
    {
        var cached = Volatile.Read(ref s_transformedLogs[log2]);
        if (cached is not null)
        {
            return cached;
        }

        var n = 1 << log2;
        var table = new ushort[n];
        Gf16.LogTable[..n].CopyTo(table);
        Transform(table);

        // 2^16 ≡ 1 (mod 65535), so 1/n = 2^(16 - log2).
        var scale = (ushort)((1 << (16 - log2)) % Modulus);
        for (var i = 0; i < n; i++)
        {
            table[i] = MultiplyMod(table[i], scale);
        }

        Volatile.Write(ref s_transformedLogs[log2], table);
        return table;
    }

    private static ushort MultiplyMod(ushort a, ushort b) => Fold((uint)a * b);

    /// <summary>x mod 65535 for any 32-bit x, as a value in [0, 65535] (end-around carry, ones' complement style).</summary>
    private static ushort Fold(uint x)
    {
        var sum = (x & 0xFFFF) + (x >> 16);
        return (ushort)(sum > 0xFFFF ? sum - Modulus : sum);
    }
}
