using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Sync.Fec.Internal;

namespace Sync.Fec.Tests;

public sealed class GfniMatrixTests
{
    /// <summary>Runs everywhere: checks the matrix against a software model of the instruction.</summary>
    [Fact]
    public void Matrix_for_c_multiplies_every_byte_by_c_in_the_0x11D_field()
    {
        for (var c = 0; c < 256; c++)
        {
            var matrix = GfniMatrix.ForConstant((byte)c);
            for (var x = 0; x < 256; x++)
            {
                Assert.Equal(Reference.Multiply((byte)c, (byte)x), Reference.AffineTransform(matrix, (byte)x, 0));
            }
        }
    }

    [Fact]
    public void Matrix_for_one_is_the_identity_the_sdm_documents()
    {
        Assert.Equal(0x0102040810204080UL, GfniMatrix.ForConstant(1));
        Assert.Equal(0UL, GfniMatrix.ForConstant(0));
    }

    /// <summary>Checks the software model against the instruction itself where the CPU has it.</summary>
    [SupportedPathTheory(nameof(KernelPath.Gfni))]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(0x8E)]
    [InlineData(0xFF)]
    public void Hardware_affine_transform_agrees_with_the_model(int constant)
    {
        Assert.True(Gfni.V256.IsSupported);
        var matrix = Vector256.Create(GfniMatrix.ForConstant((byte)constant)).AsByte();
        Span<byte> bytes = stackalloc byte[256];
        for (var x = 0; x < 256; x++)
        {
            bytes[x] = (byte)x;
        }

        for (var offset = 0; offset < 256; offset += 32)
        {
            var product = Gfni.V256.GaloisFieldAffineTransform(Vector256.Create<byte>(bytes.Slice(offset, 32)), matrix, 0);
            for (var lane = 0; lane < 32; lane++)
            {
                Assert.Equal(Reference.Multiply((byte)constant, (byte)(offset + lane)), product.GetElement(lane));
            }
        }
    }
}
