namespace Sync.Fec.Internal;

/// <summary>
/// Arithmetic in GF(2^8) with the polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11D), whose generator is 2.
/// Tables are built once per process; everything here is read-only afterwards and thread-safe.
/// </summary>
internal static class GaloisField
{
    public const int Polynomial = 0x11D;

    // Tripled so a sum of two logs plus a negated one (a * b / c) needs no modulo.
    private static readonly byte[] s_exp = new byte[3 * 255];
    private static readonly byte[] s_log = new byte[256];
    private static readonly byte[] s_inverse = new byte[256];

    static GaloisField()
    {
        var value = 1;
        for (var power = 0; power < 255; power++)
        {
            s_exp[power] = (byte)value;
            s_exp[power + 255] = (byte)value;
            s_exp[power + 510] = (byte)value;
            s_log[value] = (byte)power;
            value <<= 1;
            if (value >= 256)
            {
                value ^= Polynomial;
            }
        }

        for (var a = 1; a < 256; a++)
        {
            s_inverse[a] = s_exp[255 - s_log[a]];
        }

        var products = GC.AllocateUninitializedArray<byte>(256 * 256, pinned: true);
        for (var a = 0; a < 256; a++)
        {
            for (var b = 0; b < 256; b++)
            {
                products[(a << 8) | b] = a == 0 || b == 0 ? (byte)0 : s_exp[s_log[a] + s_log[b]];
            }
        }

        ProductTable = products;
    }

    /// <summary>ProductTable[(a &lt;&lt; 8) | b] = a * b; the row for a constant is what the scalar kernels index.</summary>
    public static byte[] ProductTable { get; }

    public static ReadOnlySpan<byte> ProductRow(byte constant) => ProductTable.AsSpan(constant << 8, 256);

    public static byte Multiply(byte a, byte b) => ProductTable[(a << 8) | b];

    public static byte Inverse(byte a)
    {
        if (a == 0)
        {
            throw new DivideByZeroException("0 has no inverse in GF(2^8)");
        }

        return s_inverse[a];
    }

    public static byte Divide(byte a, byte b) => Multiply(a, Inverse(b));

    /// <summary>The discrete logarithm base 2 of a non-zero element, in [0, 255).</summary>
    public static int Log(byte a) => a != 0 ? s_log[a] : throw new ArgumentOutOfRangeException(nameof(a), "0 has no logarithm");

    /// <summary>2 raised to <paramref name="power"/>, for any power in [0, 765).</summary>
    public static byte Exp(int power) => s_exp[power];
}
