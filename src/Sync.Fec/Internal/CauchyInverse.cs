namespace Sync.Fec.Internal;

/// <summary>
/// Inverts a square Cauchy matrix A[n, j] = 1 / (x[n] + y[j]) in O(e^2) with the closed form
/// A^-1[j, n] = a(y[j]) b(x[n]) / ((x[n] + y[j]) a'(x[n]) b'(y[j])), where a(z) = prod(z + x[m]),
/// b(z) = prod(z + y[m]), a'(x[n]) = prod over m != n of (x[n] + x[m]) and b'(y[j]) likewise (in characteristic 2
/// every minus is a plus). Gauss-Jordan would be O(e^3); at e = 128 that is milliseconds instead of microseconds.
/// Works in the log domain: every factor is non-zero because the x's and y's are distinct.
/// </summary>
internal static class CauchyInverse
{
    /// <summary>
    /// Writes the inverse transposed, as the decoder reads it: <c>destination[n * e + j] = A^-1[j, n]</c>, the
    /// weight of equation n (repair x[n]) in unknown j (lost data y[j]).
    /// </summary>
    public static void Compute(ReadOnlySpan<byte> xs, ReadOnlySpan<byte> ys, Span<byte> destination)
    {
        var size = xs.Length;
        if (ys.Length != size || destination.Length < size * size)
        {
            throw new ArgumentException("a square system needs as many x's as y's and room for size^2 entries");
        }

        // Logs of a(y[j]) / b'(y[j]) and b(x[n]) / a'(x[n]); products of non-zero elements as sums of logs.
        Span<int> unknownLog = stackalloc int[size];
        Span<int> equationLog = stackalloc int[size];
        for (var j = 0; j < size; j++)
        {
            var log = 0;
            for (var m = 0; m < size; m++)
            {
                log += GaloisField.Log((byte)(ys[j] ^ xs[m]));
                if (m != j)
                {
                    log -= GaloisField.Log((byte)(ys[j] ^ ys[m]));
                }
            }

            unknownLog[j] = Modulo255(log);
        }

        for (var n = 0; n < size; n++)
        {
            var log = 0;
            for (var m = 0; m < size; m++)
            {
                log += GaloisField.Log((byte)(xs[n] ^ ys[m]));
                if (m != n)
                {
                    log -= GaloisField.Log((byte)(xs[n] ^ xs[m]));
                }
            }

            equationLog[n] = Modulo255(log);
        }

        for (var n = 0; n < size; n++)
        {
            for (var j = 0; j < size; j++)
            {
                // Both logs are in [0, 255), so the exponent is in [1, 765): no modulo per entry.
                var log = unknownLog[j] + equationLog[n] + 255 - GaloisField.Log((byte)(xs[n] ^ ys[j]));
                destination[n * size + j] = GaloisField.Exp(log);
            }
        }
    }

    private static int Modulo255(int log)
    {
        var remainder = log % 255;
        return remainder < 0 ? remainder + 255 : remainder;
    }
}
