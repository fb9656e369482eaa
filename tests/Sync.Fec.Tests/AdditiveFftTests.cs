using System.Numerics;
using Sync.Fec.Internal;

namespace Sync.Fec.Tests;

/// <summary>
/// The additive FFT against Lin, Han and Chung's definitions, evaluated the slow way: the subspace polynomials from
/// their product definition, the novel basis from them, the formal derivative from the monomial form.
/// </summary>
public sealed unsafe class AdditiveFftTests
{
    private const int UnitBytes = 64;

    [SupportedGf16PathFact(nameof(Gf16Path.Scalar))]
    public void Scalar_transforms_as_defined() => TransformsAsDefined(Gf16Path.Scalar);

    [SupportedGf16PathFact(nameof(Gf16Path.Vector128))]
    public void Vector128_transforms_as_defined() => TransformsAsDefined(Gf16Path.Vector128);

    [SupportedGf16PathFact(nameof(Gf16Path.Avx2))]
    public void Avx2_transforms_as_defined() => TransformsAsDefined(Gf16Path.Avx2);

    [SupportedGf16PathFact(nameof(Gf16Path.Avx512))]
    public void Avx512_transforms_as_defined() => TransformsAsDefined(Gf16Path.Avx512);

    [SupportedGf16PathFact(nameof(Gf16Path.Gfni))]
    public void Gfni_transforms_as_defined() => TransformsAsDefined(Gf16Path.Gfni);

    [SupportedGf16PathFact(nameof(Gf16Path.Gfni512))]
    public void Gfni512_transforms_as_defined() => TransformsAsDefined(Gf16Path.Gfni512);

    [Fact]
    public void Normalised_subspace_polynomials_are_iterated_squaring_plus_identity()
    {
        // W_j(x) = Π over the span of β_0..β_(j-1) of (x - a); with a Cantor basis W_j(β_j) = 1 and W_j = S^j.
        var random = new Random(3);
        for (var j = 0; j <= 7; j++)
        {
            foreach (var x in new[] { Gf16.CantorBasis[j] }.Concat(Enumerable.Range(0, 20).Select(_ => (ushort)random.Next(Gf16.Order))))
            {
                ushort product = 1;
                for (var a = 0; a < 1 << j; a++)
                {
                    product = Gf16Reference.PolynomialMultiply(product, (ushort)(x ^ Gf16Reference.ToPolynomial(a)));
                }

                var iterated = x;
                for (var step = 0; step < j; step++)
                {
                    iterated = (ushort)(Gf16Reference.PolynomialMultiply(iterated, iterated) ^ iterated);
                }

                Assert.Equal(iterated, product);
                if (x == Gf16.CantorBasis[j])
                {
                    Assert.Equal(1, product);
                }
            }
        }
    }

    private static void TransformsAsDefined(Gf16Path path)
    {
        Assert.True(Gf16Paths.IsSupported(path));
        ForwardEvaluatesTheNovelBasisPolynomial(path);
        InverseUndoesForwardOnAnyCoset(path);
        SkippedButterfliesChangeNothingThatIsNeeded(path);
    }

    private static void ForwardEvaluatesTheNovelBasisPolynomial(Gf16Path path)
    {
        var engine = Gf16Engine.For(path);
        foreach (var (n, basePosition, units) in new[] { (1, 5, 1), (2, 0, 1), (4, 8, 2), (16, 0, 1), (32, 96, 1), (64, 64, 2), (64, 0, 3) })
        {
            var random = new Random(n * 1000 + basePosition);
            var coefficients = ReedSolomonCodecPropertyTests.RandomSymbols(random, n, units * UnitBytes);
            var work = Slots(coefficients);
            fixed (byte* pointer = work)
            {
                foreach (var phaseLayers in new[] { 2, 3, 16 })
                {
                    var copy = (byte[])work.Clone();
                    fixed (byte* p = copy)
                    {
                        engine.Forward(p, units * UnitBytes, units * UnitBytes, n, basePosition, 0, Log2(n), phaseLayers, PositionSet.All);
                    }

                    for (var position = 0; position < n; position++)
                    {
                        for (var word = 0; word < units * 32; word++)
                        {
                            var expected = EvaluateNovel(coefficients, word, basePosition + position);
                            var actual = Gf16Reference.Word(copy.AsSpan(position * units * UnitBytes, units * UnitBytes), word);
                            Assert.True(expected == actual, $"{path} n={n} base={basePosition} phase={phaseLayers} position={position} word={word}");
                        }
                    }
                }
            }
        }
    }

    private static void InverseUndoesForwardOnAnyCoset(Gf16Path path)
    {
        var engine = Gf16Engine.For(path);
        foreach (var (n, basePosition) in new[] { (2, 2), (8, 0), (256, 256), (1024, 3072), (4096, 61440) })
        {
            var random = new Random(n + basePosition);
            var original = Slots(ReedSolomonCodecPropertyTests.RandomSymbols(random, n, UnitBytes));
            var work = (byte[])original.Clone();
            fixed (byte* p = work)
            {
                engine.Forward(p, UnitBytes, UnitBytes, n, basePosition, 0, Log2(n), 4, PositionSet.All);
                Assert.False(work.AsSpan().SequenceEqual(original));
                engine.Inverse(p, UnitBytes, UnitBytes, n, basePosition, 0, Log2(n), 5, PositionSet.All);
            }

            Assert.True(work.AsSpan().SequenceEqual(original), $"n={n} base={basePosition}");
        }
    }

    [Fact]
    public void Formal_derivative_plus_self_matches_the_monomial_form()
    {
        var random = new Random(11);
        foreach (var n in new[] { 2, 4, 8, 16, 32 })
        {
            var coefficients = ReedSolomonCodecPropertyTests.RandomSymbols(random, n, UnitBytes);
            var work = Slots(coefficients);
            fixed (byte* p = work)
            {
                RegionXor.FormalDerivativePlusSelf(p, UnitBytes, UnitBytes, n);
            }

            for (var word = 0; word < 32; word += 7)
            {
                // D in the monomial basis, then D + D' there, compared coefficient by coefficient with the result.
                var monomial = ToMonomial(coefficients.Select(c => Gf16Reference.Word(c, word)).ToArray());
                var expected = (ushort[])monomial.Clone();
                for (var e = 1; e < monomial.Length; e += 2)
                {
                    expected[e - 1] ^= monomial[e];
                }

                var result = ToMonomial(Enumerable.Range(0, n).Select(i => Gf16Reference.Word(work.AsSpan(i * UnitBytes, UnitBytes), word)).ToArray());
                Assert.Equal(expected, result);
            }
        }
    }

    private static void SkippedButterfliesChangeNothingThatIsNeeded(Gf16Path path)
    {
        var engine = Gf16Engine.For(path);
        const int n = 256;
        var random = new Random(5);
        var nonzero = Enumerable.Range(0, n).Select(i => i < 100 || (i >= 160 && i < 170)).ToArray();
        var needed = Enumerable.Range(0, n).Select(_ => random.Next(8) == 0).ToArray();
        var symbols = ReedSolomonCodecPropertyTests.RandomSymbols(random, n, UnitBytes);
        for (var i = 0; i < n; i++)
        {
            if (!nonzero[i])
            {
                Array.Clear(symbols[i]);
            }
        }

        var full = Slots(symbols);
        var skipping = (byte[])full.Clone();
        var prefixA = new int[n + 1];
        var prefixB = new int[n + 1];
        fixed (byte* f = full)
        fixed (byte* s = skipping)
        {
            engine.Inverse(f, UnitBytes, UnitBytes, n, 512, 0, 8, 3, PositionSet.All);
            engine.Inverse(s, UnitBytes, UnitBytes, n, 512, 0, 8, 3, PositionSet.Build(nonzero, prefixA));
            Assert.True(full.AsSpan().SequenceEqual(skipping));
            engine.Forward(f, UnitBytes, UnitBytes, n, 1024, 0, 8, 5, PositionSet.All);
            engine.Forward(s, UnitBytes, UnitBytes, n, 1024, 0, 8, 5, PositionSet.Build(needed, prefixB));
        }

        for (var i = 0; i < n; i++)
        {
            if (needed[i])
            {
                Assert.True(full.AsSpan(i * UnitBytes, UnitBytes).SequenceEqual(skipping.AsSpan(i * UnitBytes, UnitBytes)), $"position {i}");
            }
        }
    }

    /// <summary>D(ω_p) = Σ d_i X_i(ω_p), X_i = Π over bits j of i of W_j, and W_j(ω_p) = ω_(p >> j) (checked above).</summary>
    private static ushort EvaluateNovel(byte[][] coefficients, int word, int position)
    {
        ushort sum = 0;
        for (var i = 0; i < coefficients.Length; i++)
        {
            ushort basis = 1;
            for (var j = 0; j < 16; j++)
            {
                if ((i >> j & 1) != 0)
                {
                    basis = Gf16Reference.Multiply(basis, (ushort)(position >> j));
                }
            }

            sum ^= Gf16Reference.Multiply(Gf16Reference.Word(coefficients[i], word), basis);
        }

        return sum;
    }

    /// <summary>Novel-basis coefficients (Cantor coordinates) to monomial coefficients (Cantor coordinates).</summary>
    private static ushort[] ToMonomial(ushort[] novel)
    {
        var n = novel.Length;
        var result = new ushort[n];
        for (var i = 0; i < n; i++)
        {
            // X_i = Π over bits j of i of S^j(x), S(x) = x^2 + x, multiplied out in the monomial basis.
            var basis = new ushort[n];
            basis[0] = 1;
            for (var j = 0; j < 16; j++)
            {
                if ((i >> j & 1) != 0)
                {
                    basis = MultiplyPolynomials(basis, SubspacePolynomial(j, n), n);
                }
            }

            for (var e = 0; e < n; e++)
            {
                result[e] ^= Gf16Reference.Multiply(novel[i], basis[e]);
            }
        }

        return result;
    }

    private static ushort[] SubspacePolynomial(int j, int n)
    {
        var polynomial = new ushort[n];
        polynomial[1] = 1;
        for (var step = 0; step < j; step++)
        {
            var square = MultiplyPolynomials(polynomial, polynomial, n);
            for (var e = 0; e < n; e++)
            {
                square[e] ^= polynomial[e];
            }

            polynomial = square;
        }

        return polynomial;
    }

    private static ushort[] MultiplyPolynomials(ushort[] a, ushort[] b, int n)
    {
        var product = new ushort[n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; i + j < n; j++)
            {
                product[i + j] ^= Gf16Reference.Multiply(a[i], b[j]);
            }
        }

        return product;
    }

    private static byte[] Slots(byte[][] symbols) => [.. symbols.SelectMany(s => s)];

    private static int Log2(int n) => BitOperations.Log2((uint)n);
}
