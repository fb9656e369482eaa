using Sync.Fec.Internal;

namespace Sync.Fec.Tests;

public sealed class GaloisFieldTests
{
    [Fact]
    public void Product_table_matches_the_bitwise_multiply_for_every_pair()
    {
        for (var a = 0; a < 256; a++)
        {
            for (var b = 0; b < 256; b++)
            {
                Assert.Equal(Reference.Multiply((byte)a, (byte)b), GaloisField.Multiply((byte)a, (byte)b));
            }
        }
    }

    [Fact]
    public void Every_non_zero_element_times_its_inverse_is_one()
    {
        for (var a = 1; a < 256; a++)
        {
            Assert.Equal(1, Reference.Multiply((byte)a, GaloisField.Inverse((byte)a)));
        }

        Assert.Throws<DivideByZeroException>(() => GaloisField.Inverse(0));
    }

    [Fact]
    public void Two_generates_the_multiplicative_group()
    {
        var seen = new HashSet<byte>();
        for (var power = 0; power < 255; power++)
        {
            Assert.True(seen.Add(GaloisField.Exp(power)));
            Assert.Equal(power, GaloisField.Log(GaloisField.Exp(power)));
        }

        Assert.Equal(255, seen.Count);
    }

    [Fact]
    public void Nibble_tables_split_a_product_into_low_and_high_halves()
    {
        Span<byte> tables = stackalloc byte[CoefficientRows.NibbleTableBytes];
        for (var c = 0; c < 256; c++)
        {
            CoefficientRows.FillNibbleTables((byte)c, tables);
            for (var x = 0; x < 256; x++)
            {
                Assert.Equal(Reference.Multiply((byte)c, (byte)x), tables[x & 15] ^ tables[16 + (x >> 4)]);
            }
        }
    }
}
