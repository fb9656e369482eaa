using Sync.Fec.Internal;

namespace Sync.Fec.Tests;

/// <summary>
/// Slow, obviously correct GF(2^16) arithmetic and coding for the tests: shift-and-add multiplication in the
/// polynomial basis (x^16 + x^5 + x^3 + x^2 + 1), the Cantor coordinates converted by their definition, and the code
/// itself as plain Lagrange interpolation through the data and the zero padding. None of it uses the log tables,
/// the novel basis, the FFT or the error locator that the codec is built from.
/// </summary>
internal static class Gf16Reference
{
    private static readonly ushort[] s_fromPolynomial = BuildFromPolynomial();

    public static ushort PolynomialMultiply(ushort a, ushort b)
    {
        var product = 0;
        int multiplicand = a;
        for (var bit = 0; bit < 16; bit++)
        {
            if ((b >> bit & 1) != 0)
            {
                product ^= multiplicand;
            }

            multiplicand <<= 1;
            if ((multiplicand & 0x10000) != 0)
            {
                multiplicand ^= Gf16.Polynomial;
            }
        }

        return (ushort)product;
    }

    public static ushort PolynomialInverse(ushort a)
    {
        // a^(2^16 - 2) by square-and-multiply.
        ushort result = 1;
        var power = a;
        for (var exponent = Gf16.Order - 2; exponent > 0; exponent >>= 1)
        {
            if ((exponent & 1) != 0)
            {
                result = PolynomialMultiply(result, power);
            }

            power = PolynomialMultiply(power, power);
        }

        return result;
    }

    /// <summary>ω_i written in the polynomial basis: the XOR of β_j over the set bits j of i.</summary>
    public static ushort ToPolynomial(int cantor)
    {
        var value = 0;
        for (var j = 0; j < 16; j++)
        {
            if ((cantor >> j & 1) != 0)
            {
                value ^= Gf16.CantorBasis[j];
            }
        }

        return (ushort)value;
    }

    public static ushort FromPolynomial(ushort polynomial) => s_fromPolynomial[polynomial];

    /// <summary>The product of two elements given and returned in Cantor coordinates.</summary>
    public static ushort Multiply(ushort a, ushort b) => FromPolynomial(PolynomialMultiply(ToPolynomial(a), ToPolynomial(b)));

    /// <summary>The 16-bit word <paramref name="word"/> of a symbol: unit word/32, low byte then high byte 32 further.</summary>
    public static ushort Word(ReadOnlySpan<byte> symbol, int word)
    {
        var at = word / 32 * 64 + word % 32;
        return (ushort)(symbol[at] | symbol[at + 32] << 8);
    }

    public static void SetWord(Span<byte> symbol, int word, ushort value)
    {
        var at = word / 32 * 64 + word % 32;
        symbol[at] = (byte)value;
        symbol[at + 32] = (byte)(value >> 8);
    }

    /// <summary>
    /// The symbol at field position <paramref name="position"/> of the codeword: the value there of the polynomial of
    /// degree &lt; <paramref name="degreeBound"/> through the given points (every other point of the first
    /// <paramref name="degreeBound"/> interpolation points being zero), word by word, by barycentric Lagrange.
    /// </summary>
    public static byte[] Evaluate(IReadOnlyList<int> pointPositions, IReadOnlyList<byte[]> pointValues, int position, int symbolLength)
    {
        var xs = pointPositions.Select(p => ToPolynomial(p)).ToArray();
        var target = ToPolynomial(position);
        var result = new byte[symbolLength];
        var existing = Array.IndexOf(pointPositions.ToArray(), position);
        if (existing >= 0)
        {
            pointValues[existing].CopyTo(result, 0);
            return result;
        }

        // Lagrange weight of point j at the target: Π_(l≠j) (target - x_l) / (x_j - x_l).
        var weights = new ushort[xs.Length];
        for (var j = 0; j < xs.Length; j++)
        {
            ushort numerator = 1;
            ushort denominator = 1;
            for (var l = 0; l < xs.Length; l++)
            {
                if (l != j)
                {
                    numerator = PolynomialMultiply(numerator, (ushort)(target ^ xs[l]));
                    denominator = PolynomialMultiply(denominator, (ushort)(xs[j] ^ xs[l]));
                }
            }

            weights[j] = PolynomialMultiply(numerator, PolynomialInverse(denominator));
        }

        for (var word = 0; word < symbolLength / 2; word++)
        {
            ushort sum = 0;
            for (var j = 0; j < xs.Length; j++)
            {
                sum ^= PolynomialMultiply(weights[j], ToPolynomial(Word(pointValues[j], word)));
            }

            SetWord(result, word, FromPolynomial(sum));
        }

        return result;
    }

    /// <summary>
    /// The reference encode of repair <paramref name="repairIndex"/>: the codeword polynomial (degree &lt; N - W
    /// through the data at W..W+k-1 and zeros at W+k..N-1) at the repair's position.
    /// </summary>
    public static byte[] Encode(ReedSolomon16Codec codec, byte[][] data, int repairIndex)
    {
        var shape = codec.Shape;
        var positions = new List<int>();
        var values = new List<byte[]>();
        for (var i = 0; i < data.Length; i++)
        {
            positions.Add(shape.DataPosition(i));
            values.Add(data[i]);
        }

        for (var p = shape.Window + shape.DataSymbols; p < shape.Domain; p++)
        {
            positions.Add(p);
            values.Add(new byte[data[0].Length]);
        }

        return Evaluate(positions, values, shape.RepairPosition(repairIndex), data[0].Length);
    }

    private static ushort[] BuildFromPolynomial()
    {
        var table = new ushort[Gf16.Order];
        for (var i = 0; i < Gf16.Order; i++)
        {
            table[ToPolynomial(i)] = (ushort)i;
        }

        return table;
    }
}
