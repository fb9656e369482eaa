namespace Sync.Fec.Tests;

/// <summary>One GF(2^16) codec shared by several threads, as a carrier shares it across its block pipelines.</summary>
public sealed class ReedSolomon16CodecConcurrencyTests
{
    [Fact]
    public void Concurrent_encodes_and_decodes_on_one_codec_agree_with_a_lone_one()
    {
        const int k = 900;
        var codec = new ReedSolomon16Codec(k, 100);
        int[] repairIndices = [.. Enumerable.Range(0, 100), 128, 129, 5000];
        var blocks = Enumerable.Range(0, 6).Select(seed => ReedSolomonCodecPropertyTests.RandomSymbols(new Random(seed), k, 192)).ToArray();
        var expected = blocks.Select(block => ReedSolomon16CodecPropertyTests.Encode(codec, block, repairIndices)).ToArray();

        Parallel.For(0, 24, new ParallelOptions { MaxDegreeOfParallelism = 4 }, run =>
        {
            var block = blocks[run % blocks.Length];
            var repairs = ReedSolomon16CodecPropertyTests.Encode(codec, block, repairIndices);
            for (var j = 0; j < repairs.Length; j++)
            {
                Assert.Equal(expected[run % blocks.Length][j], repairs[j]);
            }

            var random = new Random(run);
            var lost = Enumerable.Range(0, k).OrderBy(_ => random.Next()).Take(1 + random.Next(repairIndices.Length)).ToHashSet();
            var received = block.Select((symbol, i) => (Memory<byte>)(lost.Contains(i) ? new byte[symbol.Length] : (byte[])symbol.Clone())).ToArray();
            var present = Enumerable.Range(0, k).Select(i => !lost.Contains(i)).ToArray();
            codec.Decode(received, present, repairIndices, [.. repairs.Select(r => (ReadOnlyMemory<byte>)r)]);
            for (var i = 0; i < block.Length; i++)
            {
                Assert.True(received[i].Span.SequenceEqual(block[i]), $"run {run}: data symbol {i} not rebuilt");
            }
        });
    }
}
