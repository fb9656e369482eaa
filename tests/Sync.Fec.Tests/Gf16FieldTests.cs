using Sync.Fec.Internal;

namespace Sync.Fec.Tests;

/// <summary>GF(2^16) in Cantor coordinates against the shift-and-add reference, and the facts the FFT relies on.</summary>
public sealed class Gf16FieldTests
{
    [Fact]
    public void The_basis_is_a_Cantor_basis_of_the_whole_field()
    {
        var basis = Gf16.CantorBasis;
        Assert.Equal(1, basis[0]);
        for (var j = 1; j < 16; j++)
        {
            var square = Gf16Reference.PolynomialMultiply(basis[j], basis[j]);
            Assert.Equal(basis[j - 1], (ushort)(square ^ basis[j]));
        }

        // Linearly independent over GF(2): the 65,536 combinations are all different.
        var seen = new bool[Gf16.Order];
        for (var i = 0; i < Gf16.Order; i++)
        {
            var value = Gf16Reference.ToPolynomial(i);
            Assert.False(seen[value], $"combination {i} repeats");
            seen[value] = true;
        }
    }

    [Fact]
    public void Squaring_plus_identity_shifts_the_Cantor_coordinates_right()
    {
        // S(x) = x^2 + x maps ω_i to ω_(i >> 1): the reason the twiddle of layer l at group g is the element g >> l.
        for (var i = 0; i < Gf16.Order; i++)
        {
            var x = Gf16Reference.ToPolynomial(i);
            var image = (ushort)(Gf16Reference.PolynomialMultiply(x, x) ^ x);
            Assert.Equal(i >> 1, Gf16Reference.FromPolynomial(image));
        }
    }

    [Fact]
    public void Multiply_matches_the_reference()
    {
        var random = new Random(16);
        ushort[] special = [0, 1, 2, 3, 0x8000, 0xFFFF, 0x1234, 0xACCA];
        var samples = special.Concat(Enumerable.Range(0, 56).Select(_ => (ushort)random.Next(Gf16.Order))).ToArray();
        foreach (var b in samples)
        {
            for (var a = 0; a < Gf16.Order; a++)
            {
                var expected = Gf16Reference.Multiply((ushort)a, b);
                if (Gf16.Multiply((ushort)a, b) != expected)
                {
                    Assert.Fail($"{a} * {b}: {Gf16.Multiply((ushort)a, b)} != {expected}");
                }
            }
        }
    }

    [Fact]
    public void Every_non_zero_element_has_its_inverse_and_log()
    {
        for (var a = 1; a < Gf16.Order; a++)
        {
            Assert.Equal(1, Gf16.Multiply((ushort)a, Gf16.Inverse((ushort)a)));
            Assert.Equal(a, Gf16.Exp(Gf16.Log((ushort)a)));
        }

        Assert.Throws<DivideByZeroException>(() => Gf16.Inverse(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gf16.Log(0));
    }

    [Fact]
    public void Nibble_tables_multiply_every_word()
    {
        Span<byte> tables = stackalloc byte[Gf16Tables.NibbleBytes];
        foreach (var c in Constants())
        {
            Gf16Tables.FillNibbles(c, tables);
            for (var x = 0; x < Gf16.Order; x++)
            {
                var product = 0;
                for (var q = 0; q < 4; q++)
                {
                    var nibble = x >> (4 * q) & 0xF;
                    product ^= tables[16 * q + nibble] | tables[64 + 16 * q + nibble] << 8;
                }

                Assert.True(product == Gf16.Multiply(c, (ushort)x), $"c={c} x={x}");
            }
        }
    }

    [Fact]
    public void Gfni_matrices_multiply_every_word_under_the_instruction_model()
    {
        Span<ulong> matrices = stackalloc ulong[Gf16Tables.MatricesPerConstant];
        foreach (var c in Constants())
        {
            Gf16Tables.FillMatrices(c, matrices);
            for (var x = 0; x < Gf16.Order; x++)
            {
                byte low = (byte)x, high = (byte)(x >> 8);
                var productLow = Reference.AffineTransform(matrices[0], low, 0) ^ Reference.AffineTransform(matrices[1], high, 0);
                var productHigh = Reference.AffineTransform(matrices[2], low, 0) ^ Reference.AffineTransform(matrices[3], high, 0);
                Assert.True((productLow | productHigh << 8) == Gf16.Multiply(c, (ushort)x), $"c={c} x={x}");
            }
        }
    }

    [Fact]
    public void The_shared_tables_hold_each_constants_own_tables()
    {
        Span<byte> expected = stackalloc byte[Gf16Tables.NibbleBytes];
        Span<ulong> expectedMatrices = stackalloc ulong[Gf16Tables.MatricesPerConstant];
        foreach (var c in Constants())
        {
            Gf16Tables.FillNibbles(c, expected);
            Gf16Tables.FillMatrices(c, expectedMatrices);
            unsafe
            {
                Assert.True(expected.SequenceEqual(new ReadOnlySpan<byte>(Gf16Tables.Nibbles(c), Gf16Tables.NibbleBytes)));
                Assert.True(expectedMatrices.SequenceEqual(new ReadOnlySpan<ulong>(Gf16Tables.Matrices(c), Gf16Tables.MatricesPerConstant)));
            }
        }
    }

    private static ushort[] Constants()
    {
        var random = new Random(61);
        return [0, 1, 2, 0xFFFF, 0x8000, .. Enumerable.Range(0, 11).Select(_ => (ushort)random.Next(Gf16.Order))];
    }
}
