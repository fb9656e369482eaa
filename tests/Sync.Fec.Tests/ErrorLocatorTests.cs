using Sync.Fec.Internal;

namespace Sync.Fec.Tests;

/// <summary>The Walsh-Hadamard error locator against the products it stands for.</summary>
public sealed class ErrorLocatorTests
{
    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(16, 5)]
    [InlineData(256, 40)]
    [InlineData(1024, 300)]
    [InlineData(4096, 7)]
    public void Logs_are_those_of_the_locator_and_of_its_derivative_at_erasures(int n, int erasures)
    {
        var random = new Random(n + erasures);
        var erased = new bool[n];
        foreach (var position in Enumerable.Range(0, n).OrderBy(_ => random.Next()).Take(erasures))
        {
            erased[position] = true;
        }

        var logs = new ushort[n];
        ErrorLocator.Compute(erased, logs);
        var erasedPositions = Enumerable.Range(0, n).Where(i => erased[i]).ToArray();
        foreach (var i in Enumerable.Range(0, n).Where(i => i < 64 || random.Next(16) == 0))
        {
            // Π over the erasures other than i itself of (ω_i + ω_e): Λ(ω_i), or Λ'(ω_i) when i is erased.
            ushort product = 1;
            foreach (var e in erasedPositions)
            {
                if (e != i)
                {
                    product = Gf16Reference.Multiply(product, (ushort)(i ^ e));
                }
            }

            Assert.True(Gf16.Exp(logs[i]) == product, $"n={n} position {i}: exp(log) {Gf16.Exp(logs[i])} != {product}");
            Assert.InRange(logs[i], 0, Gf16.Modulus - 1);
        }
    }

    [Fact]
    public void Walsh_Hadamard_twice_is_n_times_the_identity_mod_65535()
    {
        var random = new Random(2);
        var values = Enumerable.Range(0, 512).Select(_ => (ushort)random.Next(Gf16.Modulus)).ToArray();
        var twice = (ushort[])values.Clone();
        ErrorLocator.Transform(twice);
        ErrorLocator.Transform(twice);
        for (var i = 0; i < values.Length; i++)
        {
            Assert.Equal(values[i] * 512L % Gf16.Modulus, twice[i] % Gf16.Modulus);
        }
    }
}
