namespace Sync.Fec.Internal;

/// <summary>
/// The 8x8 bit matrix that makes GF2P8AFFINEQB multiply every byte by a constant in our field (0x11D).
/// GF2P8MULB would be one instruction, but it reduces by 0x11B, a different field; multiplication by a
/// constant is linear over GF(2) in any field, so the affine form with b = 0 computes it exactly.
/// </summary>
internal static class GfniMatrix
{
    /// <summary>
    /// The instruction computes output bit i as parity(matrix.byte[7 - i] AND x). Output bit i of c * x is the XOR,
    /// over the set bits k of x, of bit i of c * 2^k; so byte 7 - i holds, at bit k, bit i of c * 2^k.
    /// </summary>
    public static ulong ForConstant(byte constant)
    {
        ulong matrix = 0;
        for (var inputBit = 0; inputBit < 8; inputBit++)
        {
            var column = GaloisField.Multiply(constant, (byte)(1 << inputBit));
            for (var outputBit = 0; outputBit < 8; outputBit++)
            {
                if ((column >> outputBit & 1) != 0)
                {
                    matrix |= 1UL << ((7 - outputBit) * 8 + inputBit);
                }
            }
        }

        return matrix;
    }
}
