using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp.Tests;

public sealed class DataWriteBehindUnitTests
{
    [Fact]
    public void Writes_every_buffered_symbol_at_its_offset_and_nothing_else()
    {
        using var dir = new TempDirectory();
        const int t = 10, k = 8;
        var layout = new ObjectLayout((DataWriteBehind.MaxBlocks + 10) * k * t - 3, t, k);
        string path = Path.Combine(dir.Path, "object");
        var random = new Random(15);
        var expected = new byte[layout.SymbolCount * t];
        using (var file = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite))
        {
            RandomAccess.SetLength(file, expected.Length);
            using var writeBehind = new DataWriteBehind(file, layout, new BlockBufferPool());

            // Every other symbol of every block, in interleaved order: more open blocks than the buffer holds.
            for (int symbol = 0; symbol < k; symbol += 2)
            {
                for (long block = 0; block < layout.BlockCount; block++)
                {
                    if (symbol >= layout.DataSymbols(block))
                    {
                        continue;
                    }

                    var payload = new byte[t];
                    random.NextBytes(payload);
                    payload.CopyTo(expected, layout.Offset(block, symbol));
                    writeBehind.Add(block, symbol, payload);
                }
            }

            writeBehind.Flush(3);
            writeBehind.FlushAll();
        }

        Assert.Equal(expected, File.ReadAllBytes(path));
    }
}
