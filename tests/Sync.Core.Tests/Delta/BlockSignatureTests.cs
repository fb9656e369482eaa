using Sync.Testing.Streams;
using System.Buffers.Binary;
using System.IO.Hashing;
using Sync.Core.Delta;

namespace Sync.Core.Tests.Delta;

public sealed class BlockSignatureTests
{
    [Theory]
    [InlineData(0, 64)]
    [InlineData(1, 64)]
    [InlineData(8L << 20, 64)] // 64 × 131072: still the smallest block
    [InlineData((8L << 20) + 1, 128)]
    [InlineData(32L << 20, 256)]
    [InlineData((32L << 20) + 1, 512)]
    [InlineData(100L << 20, 1024)]
    [InlineData(1L << 30, 8192)]
    [InlineData((8L << 30) + 1, 65536)]
    [InlineData(1L << 40, 65536)]
    public void ChooseBlockSize_AimsAt131072Blocks(long length, int expected)
    {
        Assert.Equal(expected, BlockSignature.ChooseBlockSize(length));
    }

    [Fact]
    public void Builder_RecordsEveryBlockIncludingAShortLastOne()
    {
        var content = RandomBytes(1000, seed: 1);

        var signature = DeltaTestKit.Sign(content);

        Assert.Equal(64, signature.BlockSize);
        Assert.Equal(1000, signature.BaseLength);
        Assert.Equal(16, signature.BlockCount);
        Assert.Equal(40, signature.GetBlockLength(15));
        for (var i = 0; i < 16; i++)
        {
            var block = content.AsSpan(i * 64, signature.GetBlockLength(i));
            Assert.Equal(XxHash128.HashToUInt128(block), signature.GetStrongHash(i));
            Assert.Equal(ReferenceWeakChecksum(block), signature.GetWeakChecksum(i));
        }
    }

    [Fact]
    public void WeakChecksum_MatchesTheDefinition()
    {
        // a = sum of bytes, b = sum of the running a, both mod 2^16, packed a | b << 16.
        Assert.Equal(ReferenceWeakChecksum([1, 2, 3]), WeakChecksum.Compute([1, 2, 3]));
        Assert.Equal(6u | (10u << 16), WeakChecksum.Compute([1, 2, 3]));
        var big = RandomBytes(65536, seed: 2);
        Assert.Equal(ReferenceWeakChecksum(big), WeakChecksum.Compute(big));
    }

    [Fact]
    public void Builder_GivesTheSameSignatureWhateverThePieces()
    {
        var content = RandomBytes(100_000, seed: 3);
        var whole = DeltaTestKit.Sign(content);
        var random = new Random(4);

        var builder = new SignatureBuilder(content.Length);
        for (var offset = 0; offset < content.Length;)
        {
            var piece = Math.Min(content.Length - offset, random.Next(0, 700));
            builder.Append(content.AsSpan(offset, piece));
            offset += piece;
        }

        AssertSame(whole, builder.Build());
    }

    [Fact]
    public void Builder_RejectsMoreThanExpected()
    {
        var builder = new SignatureBuilder(10);
        builder.Append(new byte[6]);

        Assert.Throws<InvalidOperationException>(() => builder.Append(new byte[5]));
    }

    [Fact]
    public void Builder_RejectsLessThanExpected()
    {
        var builder = new SignatureBuilder(1000);
        builder.Append(new byte[999]);

        Assert.Throws<InvalidOperationException>(builder.Build);
    }

    [Fact]
    public void Builder_CannotBeReused()
    {
        var builder = new SignatureBuilder(0);
        var signature = builder.Build();

        Assert.Equal(0, signature.BlockCount);
        Assert.Throws<InvalidOperationException>(builder.Build);
        Assert.Throws<InvalidOperationException>(() => builder.Append([]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(256)]
    [InlineData(70_001)]
    public void Serialization_RoundTrips(int size)
    {
        var signature = DeltaTestKit.Sign(RandomBytes(size, seed: size));
        using var stream = new MemoryStream();
        signature.WriteTo(stream);
        Assert.Equal(signature.SerializedLength, stream.Length);
        stream.WriteByte(0xEE); // whatever follows is left alone
        stream.Position = 0;

        var read = BlockSignature.ReadFrom(stream, maxBaseLength: size);

        AssertSame(signature, read);
        Assert.Equal(signature.SerializedLength, stream.Position);
    }

    [Fact]
    public void Serialization_IsPinned()
    {
        // The format is stored on disk between runs: its header layout must not drift.
        var bytes = Serialize(DeltaTestKit.Sign([1, 2, 3]));

        Assert.Equal(24 + 20 + 8, bytes.Length);
        Assert.Equal("BSIG"u8.ToArray(), bytes[..4]);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(64, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(1, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12)));
        Assert.Equal(3, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(16)));
        Assert.Equal(6u | (10u << 16), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(24)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TruncatedInput_IsInvalidData(bool seekable)
    {
        var bytes = Serialize(DeltaTestKit.Sign(RandomBytes(3000, seed: 5)));

        for (var length = 0; length < bytes.Length; length++)
        {
            Stream stream = seekable ? new MemoryStream(bytes, 0, length) : new TrickleStream(bytes[..length], seed: length, maxRead: 64);
            Assert.Throws<InvalidDataException>(() => BlockSignature.ReadFrom(stream, long.MaxValue));
        }
    }

    [Fact]
    public void AnyFlippedBit_IsInvalidData()
    {
        var bytes = Serialize(DeltaTestKit.Sign(RandomBytes(1500, seed: 6)));

        for (var bit = 0; bit < bytes.Length * 8; bit++)
        {
            var corrupt = (byte[])bytes.Clone();
            corrupt[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.Throws<InvalidDataException>(() => BlockSignature.ReadFrom(new MemoryStream(corrupt), long.MaxValue));
        }
    }

    [Fact]
    public void MoreThanTheCallerAllows_IsInvalidData()
    {
        var bytes = Serialize(DeltaTestKit.Sign(RandomBytes(5000, seed: 7)));

        var error = Assert.Throws<InvalidDataException>(() => BlockSignature.ReadFrom(new MemoryStream(bytes), maxBaseLength: 4999));
        Assert.Contains("5000", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(8, 128)] // block size below the minimum
    [InlineData(8, 131072)] // above the maximum
    [InlineData(8, 300)] // not a power of two
    [InlineData(12, 0x7FFFFFFF)] // block count inconsistent with the length
    [InlineData(16, -1)] // negative length
    [InlineData(4, 2)] // unknown version
    [InlineData(0, 0x12345678)] // bad magic
    public void BadHeaderFields_AreRejectedBeforeAnythingElse(int offset, int value)
    {
        var bytes = Serialize(DeltaTestKit.Sign(RandomBytes(5000, seed: 8)));
        if (offset == 4)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(offset), (ushort)value);
        }
        else if (offset == 16)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(offset), value);
        }
        else
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(offset), value);
        }

        // Only the header is present: a rejection must come from the header checks, not from running out of data.
        var error = Assert.Throws<InvalidDataException>(() => BlockSignature.ReadFrom(new MemoryStream(bytes[..24]), long.MaxValue));
        Assert.DoesNotContain("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AHugeClaimedLength_IsRejectedWithoutAllocating()
    {
        // 2^40 bytes in 256-byte blocks: consistent, but far beyond any real signature.
        var header = new byte[24];
        "BSIG"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), 1);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), 256);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), 1 << 30);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16), (1L << 30) * 256);

        var error = Assert.Throws<InvalidDataException>(() => BlockSignature.ReadFrom(new MemoryStream(header), long.MaxValue));
        Assert.Contains("limit", error.Message, StringComparison.Ordinal);
    }

    private static byte[] Serialize(BlockSignature signature)
    {
        using var stream = new MemoryStream();
        signature.WriteTo(stream);
        return stream.ToArray();
    }

    private static void AssertSame(BlockSignature expected, BlockSignature actual)
    {
        Assert.Equal(expected.BlockSize, actual.BlockSize);
        Assert.Equal(expected.BaseLength, actual.BaseLength);
        Assert.Equal(expected.BlockCount, actual.BlockCount);
        for (var i = 0; i < expected.BlockCount; i++)
        {
            Assert.Equal(expected.GetWeakChecksum(i), actual.GetWeakChecksum(i));
            Assert.Equal(expected.GetStrongHash(i), actual.GetStrongHash(i));
        }
    }

    private static uint ReferenceWeakChecksum(ReadOnlySpan<byte> block)
    {
        int a = 0, b = 0;
        foreach (var value in block)
        {
            a = (a + value) % 65536;
            b = (b + a) % 65536;
        }

        return (uint)a | ((uint)b << 16);
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }
}
