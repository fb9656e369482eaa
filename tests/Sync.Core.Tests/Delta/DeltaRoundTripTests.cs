using Sync.Testing.Streams;
using System.Text;
using Sync.Core.Delta;

namespace Sync.Core.Tests.Delta;

public sealed class DeltaRoundTripTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(257)]
    [InlineData(100_000)]
    [InlineData(3_000_017)]
    public async Task IdenticalContent_IsOneCopy(int size)
    {
        var content = RandomBytes(size, seed: size);

        var delta = await DeltaTestKit.RoundTripAsync(content, content);

        Assert.Equal(0, delta.LiteralBytes);
        Assert.Equal([DeltaOp.Copy(0, size)], delta.Ops);
    }

    [Fact]
    public async Task EmptyOld_IsAllLiteral()
    {
        var content = RandomBytes(600_000, seed: 1);

        var delta = await DeltaTestKit.RoundTripAsync([], content);

        Assert.Equal(content.Length, delta.LiteralBytes);
        Assert.Equal(0, delta.Copies);
    }

    [Fact]
    public async Task EmptyNew_IsNoOps()
    {
        var delta = await DeltaTestKit.RoundTripAsync(RandomBytes(10_000, seed: 2), []);

        Assert.Empty(delta.Ops);
    }

    [Fact]
    public async Task BothEmpty_IsNoOps()
    {
        var delta = await DeltaTestKit.RoundTripAsync([], []);

        Assert.Empty(delta.Ops);
    }

    [Theory]
    [InlineData(100_000)]
    [InlineData(100_003)]
    public async Task SmallEditInTheMiddle_CostsAboutOneBlock(int size)
    {
        var old = RandomBytes(size, seed: 3);
        var edited = (byte[])old.Clone();
        edited[size / 2] ^= 0xFF;
        edited[(size / 2) + 3] ^= 0x01;

        var delta = await DeltaTestKit.RoundTripAsync(old, edited);

        Assert.InRange(delta.LiteralBytes, 1, 2 * delta.BlockSize);
        Assert.Equal(2, delta.Copies);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(256)]
    [InlineData(5000)]
    public async Task Insertion_ShiftsContentButOnlyTheInsertIsSent(int inserted)
    {
        var old = RandomBytes(200_000, seed: 4);
        var insert = RandomBytes(inserted, seed: 5);
        byte[] edited = [.. old.AsSpan(0, 70_001), .. insert, .. old.AsSpan(70_001)];

        var delta = await DeltaTestKit.RoundTripAsync(old, edited);

        Assert.InRange(delta.LiteralBytes, inserted, inserted + (2 * delta.BlockSize));
        Assert.InRange(delta.CopiedBytes, old.Length - (2 * delta.BlockSize), old.Length);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(300)]
    [InlineData(20_000)]
    public async Task Deletion_ShiftsContentAndCostsAtMostABlock(int deleted)
    {
        var old = RandomBytes(200_000, seed: 6);
        byte[] edited = [.. old.AsSpan(0, 90_123), .. old.AsSpan(90_123 + deleted)];

        var delta = await DeltaTestKit.RoundTripAsync(old, edited);

        Assert.InRange(delta.LiteralBytes, 0, 2 * delta.BlockSize);
        Assert.InRange(delta.CopiedBytes, edited.Length - (2 * delta.BlockSize), edited.Length);
    }

    [Theory]
    [InlineData(256 * 400, 1)]
    [InlineData(256 * 400, 70_000)]
    [InlineData((256 * 400) + 99, 1000)]
    public async Task AppendedData_CopiesTheOldContent(int size, int appended)
    {
        var old = RandomBytes(size, seed: 7);
        byte[] grown = [.. old, .. RandomBytes(appended, seed: 8)];

        var delta = await DeltaTestKit.RoundTripAsync(old, grown);

        // An old short last block only matches at the very end, so it may be resent.
        var shortTail = size % delta.BlockSize;
        Assert.InRange(delta.LiteralBytes, appended, appended + shortTail);
        Assert.True(delta.Ops[0].IsCopy);
        Assert.Equal(0, delta.Ops[0].BaseOffset);
    }

    [Fact]
    public async Task TruncatedContent_IsOneCopy()
    {
        var old = RandomBytes(50_000, seed: 9);

        var delta = await DeltaTestKit.RoundTripAsync(old, old[..(256 * 100)]);

        Assert.Equal([DeltaOp.Copy(0, 256 * 100)], delta.Ops);
    }

    [Fact]
    public async Task TotallyDifferentContent_IsAllLiteralInBoundedPieces()
    {
        var old = RandomBytes(1_500_000, seed: 10);
        var unrelated = RandomBytes(1_300_000, seed: 11);

        var delta = await DeltaTestKit.RoundTripAsync(old, unrelated);

        Assert.Equal(unrelated.Length, delta.LiteralBytes);
        Assert.Equal(0, delta.Copies);
        Assert.Equal((unrelated.Length + DeltaEncoder.MaxLiteralLength - 1) / DeltaEncoder.MaxLiteralLength, delta.Ops.Count);
    }

    [Fact]
    public async Task MovedBlocks_AreCopiedFromWhereTheyWere()
    {
        var old = RandomBytes(256 * 64, seed: 12);
        byte[] swapped = [.. old.AsSpan(256 * 32), .. old.AsSpan(0, 256 * 32)];

        var delta = await DeltaTestKit.RoundTripAsync(old, swapped);

        Assert.Equal([DeltaOp.Copy(256 * 32, 256 * 32), DeltaOp.Copy(0, 256 * 32)], delta.Ops);
    }

    [Fact]
    public async Task RepetitiveContent_RoundTrips()
    {
        // Every block alike: the weak checksum collides everywhere and matches must still be right and merged.
        var old = new byte[100_000];
        var grown = new byte[130_001];
        grown[65_000] = 1;

        var delta = await DeltaTestKit.RoundTripAsync(old, grown);

        Assert.InRange(delta.LiteralBytes, 1, 3 * delta.BlockSize);

        // After a copy the encoder tries the next base block first, so identical blocks still merge into long copies.
        Assert.InRange(delta.Ops.Count, 3, 5);
    }

    [Fact]
    public async Task TextFileWithScatteredSmallEdits_SendsLittleLiteral()
    {
        var old = PackagesFile(entries: 1300);
        Assert.InRange(old.Length, 180_000, 260_000);
        var text = Encoding.ASCII.GetString(old);
        var random = new Random(13);
        var edits = 0;
        for (var at = 8000; edits < 20; at += 9000, edits++)
        {
            var position = at + random.Next(0, 1000);
            text = (edits % 3) switch
            {
                0 => text.Remove(position, 5).Insert(position, "EDIT!"),
                1 => text.Insert(position, "Depends: libc6 (>= 2.36)\n"),
                _ => text.Remove(position, 12),
            };
        }

        var edited = Encoding.ASCII.GetBytes(text);

        var delta = await DeltaTestKit.RoundTripAsync(old, edited);

        Assert.Equal(64, delta.BlockSize);
        Assert.True(delta.LiteralBytes < 20 * 2 * delta.BlockSize, $"{delta.LiteralBytes} literal bytes for 20 small edits");
        Assert.True(delta.LiteralBytes > 20 * 5, "every edit must cost at least its own bytes");
    }

    [Fact]
    public async Task LargeFile_WithEditsAcrossBufferRefills_RoundTrips()
    {
        // Larger than the encoder's buffer several times over, edits near where refills fall.
        var old = RandomBytes(5_000_000, seed: 14);
        var edited = (byte[])old.Clone();
        foreach (var position in new[] { 1 << 20, (1 << 20) + 1, 3 << 20, 4_999_999 })
        {
            edited[position] ^= 0x5A;
        }

        byte[] shifted = [.. edited.AsSpan(0, 2_000_000), 1, 2, 3, .. edited.AsSpan(2_000_000)];

        var delta = await DeltaTestKit.RoundTripAsync(old, shifted);

        Assert.True(delta.LiteralBytes <= (5 * 2 * delta.BlockSize) + 3, $"{delta.LiteralBytes} literal bytes");
    }

    [Fact]
    public async Task ShortReads_GiveTheSameDeltaAsWholeReads()
    {
        var old = RandomBytes(400_000, seed: 15);
        byte[] edited = [.. old.AsSpan(0, 123_456), .. RandomBytes(999, seed: 16), .. old.AsSpan(150_000), 9, 9, 9];
        var signature = DeltaTestKit.Sign(old);

        var whole = await DeltaTestKit.EncodeAsync(signature, new MemoryStream(edited));
        var trickled = await DeltaTestKit.EncodeAsync(signature, new TrickleStream(edited, seed: 17, maxRead: 700));

        Assert.Equal(whole, trickled);
        Assert.Equal(edited, await DeltaTestKit.ApplyAsync(old, trickled));
    }

    [Fact]
    public async Task OpsApplied_AsTheyAreEmitted_RebuildTheContent()
    {
        // The literal memory is only lent during emit: applying inside the callback is the intended zero-copy use.
        var old = RandomBytes(700_000, seed: 18);
        byte[] edited = [.. RandomBytes(300_000, seed: 19), .. old.AsSpan(100_000), .. RandomBytes(500, seed: 20)];
        var signature = DeltaTestKit.Sign(old);
        using var baseStream = new MemoryStream(old, writable: false);
        using var output = new MemoryStream();
        var applier = new DeltaApplier(baseStream, output);

        await DeltaEncoder.EncodeAsync(signature, new MemoryStream(edited), applier.ApplyAsync, CancellationToken.None);

        Assert.Equal(edited, output.ToArray());
    }

    [Fact]
    public async Task Cancellation_StopsTheEncoder()
    {
        var old = RandomBytes(100_000, seed: 21);
        using var cancel = new CancellationTokenSource();
        var emitted = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => DeltaEncoder.EncodeAsync(
            DeltaTestKit.Sign(old),
            new MemoryStream(RandomBytes(2_000_000, seed: 22)),
            (_, _) =>
            {
                emitted++;
                cancel.Cancel();
                return ValueTask.CompletedTask;
            },
            cancel.Token));

        Assert.Equal(1, emitted);
    }

    [Fact]
    public async Task RandomEdits_AlwaysRoundTrip()
    {
        var random = new Random(20_240_601);
        for (var iteration = 0; iteration < 250; iteration++)
        {
            var size = (iteration % 10) switch
            {
                0 => random.Next(0, 4),
                1 => random.Next(0, 600),
                9 => random.Next(1_000_000, 2_500_000),
                _ => random.Next(0, 120_000),
            };
            var old = iteration % 4 == 3 ? LowEntropyBytes(size, random) : RandomBytes(size, seed: random.Next());
            var edited = Mutate(old, random);

            try
            {
                await DeltaTestKit.RoundTripAsync(old, edited);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new InvalidOperationException($"iteration {iteration}: old {old.Length} bytes, new {edited.Length} bytes", e);
            }
        }
    }

    private static byte[] Mutate(byte[] content, Random random)
    {
        var result = new List<byte>(content);
        var edits = random.Next(0, 6);
        for (var i = 0; i < edits; i++)
        {
            var at = random.Next(0, result.Count + 1);
            var length = random.Next(1, random.Next(2) == 0 ? 16 : 3000);
            switch (random.Next(6))
            {
                case 0:
                    result.InsertRange(at, RandomBytes(length, seed: random.Next()));
                    break;
                case 1:
                    result.RemoveRange(at, Math.Min(length, result.Count - at));
                    break;
                case 2:
                    for (var j = at; j < Math.Min(result.Count, at + length); j++)
                    {
                        result[j] = (byte)random.Next(256);
                    }

                    break;
                case 3:
                    // Duplicate a stretch elsewhere: content the base holds, at a new offset.
                    var from = random.Next(0, result.Count + 1);
                    var copy = result.GetRange(from, Math.Min(length, result.Count - from));
                    result.InsertRange(at, copy);
                    break;
                case 4:
                    result.RemoveRange(at, result.Count - at);
                    break;
                default:
                    result.AddRange(RandomBytes(length, seed: random.Next()));
                    break;
            }
        }

        return [.. result];
    }

    private static byte[] LowEntropyBytes(int size, Random random)
    {
        var data = new byte[size];
        for (var i = 0; i < size; i++)
        {
            data[i] = (byte)"ab\n"[random.Next(3)];
        }

        return data;
    }

    private static byte[] PackagesFile(int entries)
    {
        var text = new StringBuilder();
        for (var i = 0; i < entries; i++)
        {
            text.Append("Package: pkg-").Append(i).Append('\n')
                .Append("Version: 1.").Append(i % 7).Append('.').Append(i % 13).Append("-1\n")
                .Append("Architecture: amd64\n")
                .Append("Filename: pool/main/p/pkg-").Append(i).Append("/pkg-").Append(i).Append("_1.0_amd64.deb\n")
                .Append("Size: ").Append((i * 7919) % 100_000).Append('\n')
                .Append("SHA256: ").Append(Convert.ToHexStringLower(BitConverter.GetBytes((long)i * 0x1F3D_5B79_2C6A_4E1D))).Append('\n')
                .Append('\n');
        }

        return Encoding.ASCII.GetBytes(text.ToString());
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }
}
