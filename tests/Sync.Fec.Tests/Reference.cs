using Sync.Fec.Internal;

namespace Sync.Fec.Tests;

/// <summary>Slow, obviously correct arithmetic that the fast code is checked against.</summary>
internal static class Reference
{
    /// <summary>Carry-less shift-and-add multiply, reducing by 0x11D whenever the product overflows 8 bits.</summary>
    public static byte Multiply(byte a, byte b)
    {
        var product = 0;
        int multiplicand = a;
        for (var bit = 0; bit < 8; bit++)
        {
            if ((b >> bit & 1) != 0)
            {
                product ^= multiplicand;
            }

            multiplicand <<= 1;
            if ((multiplicand & 0x100) != 0)
            {
                multiplicand ^= GaloisField.Polynomial;
            }
        }

        return (byte)product;
    }

    /// <summary>GF2P8AFFINEQB on one byte as the Intel SDM defines it: bit i = parity(matrix.byte[7 - i] AND x) XOR b.bit i.</summary>
    public static byte AffineTransform(ulong matrix, byte x, byte b)
    {
        var result = 0;
        for (var bit = 0; bit < 8; bit++)
        {
            var row = (byte)(matrix >> ((7 - bit) * 8));
            var parity = System.Numerics.BitOperations.PopCount((uint)(row & x)) & 1;
            result |= (parity ^ (b >> bit & 1)) << bit;
        }

        return (byte)result;
    }

    /// <summary>Repair j = XOR over i of Coefficient(j, i) * data[i], byte by byte.</summary>
    public static byte[] Encode(ReedSolomonCodec codec, byte[][] data, int repairIndex)
    {
        var repair = new byte[data[0].Length];
        for (var i = 0; i < data.Length; i++)
        {
            var constant = codec.Coefficient(repairIndex, i);
            for (var p = 0; p < repair.Length; p++)
            {
                repair[p] ^= Multiply(constant, data[i][p]);
            }
        }

        return repair;
    }

    /// <summary>Gauss-Jordan inverse of a square matrix over the field; null when it is singular.</summary>
    public static byte[,]? Invert(byte[,] matrix)
    {
        var size = matrix.GetLength(0);
        var work = (byte[,])matrix.Clone();
        var inverse = new byte[size, size];
        for (var d = 0; d < size; d++)
        {
            inverse[d, d] = 1;
        }

        for (var column = 0; column < size; column++)
        {
            var pivot = column;
            while (pivot < size && work[pivot, column] == 0)
            {
                pivot++;
            }

            if (pivot == size)
            {
                return null;
            }

            for (var c = 0; c < size; c++)
            {
                (work[column, c], work[pivot, c]) = (work[pivot, c], work[column, c]);
                (inverse[column, c], inverse[pivot, c]) = (inverse[pivot, c], inverse[column, c]);
            }

            var scale = GaloisField.Inverse(work[column, column]);
            for (var c = 0; c < size; c++)
            {
                work[column, c] = Multiply(work[column, c], scale);
                inverse[column, c] = Multiply(inverse[column, c], scale);
            }

            for (var r = 0; r < size; r++)
            {
                var factor = work[r, column];
                if (r == column || factor == 0)
                {
                    continue;
                }

                for (var c = 0; c < size; c++)
                {
                    work[r, c] ^= Multiply(factor, work[column, c]);
                    inverse[r, c] ^= Multiply(factor, inverse[column, c]);
                }
            }
        }

        return inverse;
    }
}
