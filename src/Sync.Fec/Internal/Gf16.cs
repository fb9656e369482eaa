namespace Sync.Fec.Internal;

/// <summary>
/// GF(2^16) as the large-block code sees it: a 16-bit value is an element written in a Cantor basis, not in the
/// polynomial basis. Element <c>i</c> is <c>ω_i = Σ β_j</c> over the set bits <c>j</c> of <c>i</c>, where
/// <c>β_0 = 1</c> and <c>β_j² + β_j = β_(j-1)</c>. Addition is XOR in either basis (the change of basis is linear);
/// multiplication goes through log/exp tables indexed by Cantor coordinates.
/// </summary>
/// <remarks>
/// Why a Cantor basis: the subspace polynomial of span(β_0..β_(l-1)) is <c>S^l(x)</c> with <c>S(x) = x² + x</c>,
/// it is 1 at β_l, and <c>S(ω_i) = ω_(i >> 1)</c>. So the additive FFT's twiddle for layer l at group base g is
/// simply the element <c>g >> l</c>, and the subspace polynomials' derivatives are 1, which makes the formal
/// derivative in the novel basis a pattern of XORs. The basis is derived here at start-up (solve the GF(2)-linear
/// equation y² + y = β_(j-1), keep the even solution) from the polynomial 0x1002D, so it is fixed forever: it is part
/// of what the repair symbols on the wire mean. Tables are built once per process and read-only afterwards.
/// </remarks>
internal static class Gf16
{
    /// <summary>x^16 + x^5 + x^3 + x^2 + 1, primitive (the start-up checks that x has order 65535).</summary>
    public const int Polynomial = 0x1002D;

    public const int Order = 1 << 16;

    /// <summary>Order of the multiplicative group; logs are taken modulo it.</summary>
    public const int Modulus = Order - 1;

    private static readonly ushort[] s_log = new ushort[Order];

    // Doubled so a sum of two logs needs no modulo.
    private static readonly ushort[] s_exp = new ushort[2 * Modulus + 1];

    private static readonly ushort[] s_basis = new ushort[16];

    static Gf16()
    {
        // Powers of x in the polynomial basis, and which power each element is.
        var polynomialExp = new ushort[Modulus];
        var polynomialLog = new int[Order];
        Array.Fill(polynomialLog, -1);
        var value = 1;
        for (var power = 0; power < Modulus; power++)
        {
            if (polynomialLog[value] >= 0)
            {
                throw new InvalidOperationException($"0x{Polynomial:X} is not primitive: x has order {power}");
            }

            polynomialExp[power] = (ushort)value;
            polynomialLog[value] = power;
            value <<= 1;
            if (value >= Order)
            {
                value ^= Polynomial;
            }
        }

        ushort Multiply(ushort a, ushort b) => a == 0 || b == 0 ? (ushort)0 : polynomialExp[(polynomialLog[a] + polynomialLog[b]) % Modulus];

        s_basis[0] = 1;
        for (var j = 1; j < 16; j++)
        {
            s_basis[j] = SolveArtinSchreier(s_basis[j - 1], Multiply);
        }

        // Element i in Cantor coordinates, written in the polynomial basis.
        var toPolynomial = new ushort[Order];
        for (var j = 0; j < 16; j++)
        {
            var width = 1 << j;
            for (var i = 0; i < width; i++)
            {
                toPolynomial[width + i] = (ushort)(toPolynomial[i] ^ s_basis[j]);
            }
        }

        var fromPolynomial = new ushort[Order];
        for (var i = 0; i < Order; i++)
        {
            fromPolynomial[toPolynomial[i]] = (ushort)i;
        }

        for (var i = 1; i < Order; i++)
        {
            s_log[i] = (ushort)polynomialLog[toPolynomial[i]];
        }

        s_log[0] = Modulus;
        for (var power = 0; power < s_exp.Length; power++)
        {
            s_exp[power] = fromPolynomial[polynomialExp[power % Modulus]];
        }
    }

    /// <summary>β_0..β_15 in the polynomial basis (for tests and the docs).</summary>
    public static ReadOnlySpan<ushort> CantorBasis => s_basis;

    /// <summary>Logs of the elements, <c>Log[0] = Modulus</c> as a stand-in for log 0 (it is ≡ 0 mod Modulus).</summary>
    public static ReadOnlySpan<ushort> LogTable => s_log;

    /// <summary>Exp[power] for power in [0, 2·Modulus].</summary>
    public static ReadOnlySpan<ushort> ExpTable => s_exp;

    public static ushort Multiply(ushort a, ushort b) => a == 0 || b == 0 ? (ushort)0 : s_exp[s_log[a] + s_log[b]];

    public static ushort Inverse(ushort a)
    {
        if (a == 0)
        {
            throw new DivideByZeroException("0 has no inverse in GF(2^16)");
        }

        return s_exp[Modulus - s_log[a]];
    }

    /// <summary>The discrete log of a non-zero element, in [0, Modulus).</summary>
    public static int Log(ushort a) => a != 0 ? s_log[a] : throw new ArgumentOutOfRangeException(nameof(a), "0 has no logarithm");

    /// <summary>The element with log <paramref name="power"/>, any power in [0, 2·Modulus].</summary>
    public static ushort Exp(int power) => s_exp[power];

    /// <summary>
    /// The even root y of y² + y = c, in the polynomial basis. y ↦ y² + y is linear over GF(2) with kernel {0, 1}, so
    /// this is Gaussian elimination on 16 bits; a root exists exactly when c has trace 0, which the Cantor chain has.
    /// </summary>
    private static ushort SolveArtinSchreier(ushort target, Func<ushort, ushort, ushort> multiply)
    {
        // Rows of the augmented system: row b says "bit b of (y² + y) equals bit b of target".
        Span<uint> rows = stackalloc uint[16];
        for (var column = 0; column < 16; column++)
        {
            var basis = (ushort)(1 << column);
            var image = multiply(basis, basis) ^ basis;
            for (var bit = 0; bit < 16; bit++)
            {
                rows[bit] |= (uint)((image >> bit) & 1) << column;
            }
        }

        for (var bit = 0; bit < 16; bit++)
        {
            rows[bit] |= (uint)((target >> bit) & 1) << 16;
        }

        // Column 0 is zero (1² + 1 = 0): y's constant term is free, and the even root takes it as 0.
        var pivotRow = 0;
        Span<int> pivotColumn = stackalloc int[16];
        for (var column = 15; column >= 1 && pivotRow < 16; column--)
        {
            var found = -1;
            for (var row = pivotRow; row < 16; row++)
            {
                if ((rows[row] >> column & 1) != 0)
                {
                    found = row;
                    break;
                }
            }

            if (found < 0)
            {
                throw new InvalidOperationException("y² + y is not of rank 15");
            }

            (rows[pivotRow], rows[found]) = (rows[found], rows[pivotRow]);
            for (var row = 0; row < 16; row++)
            {
                if (row != pivotRow && (rows[row] >> column & 1) != 0)
                {
                    rows[row] ^= rows[pivotRow];
                }
            }

            pivotColumn[pivotRow] = column;
            pivotRow++;
        }

        for (var row = pivotRow; row < 16; row++)
        {
            // A row left without a pivot reads 0 = target bit.
            if ((rows[row] >> 16 & 1) != 0)
            {
                throw new InvalidOperationException($"y² + y = 0x{target:X4} has no root (trace 1)");
            }
        }

        var root = 0;
        for (var row = 0; row < pivotRow; row++)
        {
            root |= (int)(rows[row] >> 16 & 1) << pivotColumn[row];
        }

        var check = multiply((ushort)root, (ushort)root) ^ root;
        if (check != target)
        {
            throw new InvalidOperationException($"no root of y² + y = 0x{target:X4}");
        }

        return (ushort)root;
    }
}
