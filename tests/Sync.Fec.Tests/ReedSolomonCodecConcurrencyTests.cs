namespace Sync.Fec.Tests;

/// <summary>One codec shared by several threads, as the carrier shares it across its block pipelines.</summary>
public sealed class ReedSolomonCodecConcurrencyTests
{
    [Fact]
    public void Concurrent_encodes_and_decodes_on_one_codec_agree_with_a_lone_one()
    {
        var codec = new ReedSolomonCodec(64, 16);
        int[] allRepairs = [.. Enumerable.Range(0, 16)];
        var blocks = Enumerable.Range(0, 8).Select(seed => ReedSolomonCodecPropertyTests.RandomSymbols(new Random(seed), 64, 1440)).ToArray();
        var expected = blocks.Select(block => ReedSolomonCodecPropertyTests.Encode(codec, block, allRepairs)).ToArray();

        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 4 }, run =>
        {
            var block = blocks[run % blocks.Length];
            var repairs = ReedSolomonCodecPropertyTests.Encode(codec, block, allRepairs);
            for (var j = 0; j < repairs.Length; j++)
            {
                Assert.Equal(expected[run % blocks.Length][j], repairs[j]);
            }

            var random = new Random(run);
            var lost = Enumerable.Range(0, 64).OrderBy(_ => random.Next()).Take(1 + random.Next(16)).ToHashSet();
            var received = block.Select((symbol, i) => (Memory<byte>)(lost.Contains(i) ? new byte[symbol.Length] : (byte[])symbol.Clone())).ToArray();
            var present = Enumerable.Range(0, 64).Select(i => !lost.Contains(i)).ToArray();
            codec.Decode(received, present, allRepairs, [.. repairs.Select(r => (ReadOnlyMemory<byte>)r)]);
            for (var i = 0; i < block.Length; i++)
            {
                Assert.True(received[i].Span.SequenceEqual(block[i]), $"run {run}: data symbol {i} not rebuilt");
            }
        });
    }
}
