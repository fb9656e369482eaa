using Sync.Fec.Internal;

namespace Sync.Fec.Tests;

public sealed class CauchyInverseTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(5, 3)]
    [InlineData(16, 4)]
    [InlineData(64, 5)]
    [InlineData(128, 6)]
    public void Closed_form_inverse_matches_gauss_jordan_and_gives_the_identity(int size, int seed)
    {
        var random = new Random(seed);
        var points = Enumerable.Range(0, 256).OrderBy(_ => random.Next()).Select(p => (byte)p).ToArray();
        var xs = points[..size];
        var ys = points[size..(2 * size)];
        var cauchy = new byte[size, size];
        for (var n = 0; n < size; n++)
        {
            for (var j = 0; j < size; j++)
            {
                cauchy[n, j] = GaloisField.Inverse((byte)(xs[n] ^ ys[j]));
            }
        }

        var transposedInverse = new byte[size * size];
        CauchyInverse.Compute(xs, ys, transposedInverse);
        var expected = Reference.Invert(cauchy);
        Assert.NotNull(expected);
        for (var j = 0; j < size; j++)
        {
            for (var n = 0; n < size; n++)
            {
                Assert.Equal(expected[j, n], transposedInverse[n * size + j]);
            }
        }

        // A * A^-1 = I, reading A^-1[j, n] from its transposed layout.
        for (var row = 0; row < size; row++)
        {
            for (var column = 0; column < size; column++)
            {
                byte sum = 0;
                for (var m = 0; m < size; m++)
                {
                    sum ^= Reference.Multiply(cauchy[row, m], transposedInverse[column * size + m]);
                }

                Assert.Equal(row == column ? 1 : 0, sum);
            }
        }
    }
}
