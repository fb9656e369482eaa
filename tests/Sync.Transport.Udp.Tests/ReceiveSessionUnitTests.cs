using Microsoft.Extensions.Logging.Abstractions;
using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp.Tests;

/// <summary>One session's store, on the symbol ids a packet may claim.</summary>
public sealed class ReceiveSessionUnitTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(FecCode.ReedSolomon8, 64, 128, 32, 0)]
    [InlineData(FecCode.ReedSolomon16, 64, 100, 10, 3)]
    public async Task A_symbol_id_past_its_blocks_ids_is_invalid_and_touches_no_other_block(FecCode code, int symbolSize, int k, int repair, int interleave)
    {
        // Two full blocks and a short one. Without a MAC anyone can send any id: an id past a block's ids once set a
        // bit of the next block's bitmap (or ran off the end of the last), claiming a symbol nobody sent.
        long length = (2L * k + 5) * symbolSize;
        var layout = new ObjectLayout(length, symbolSize, k, code);
        var info = new AnnounceInfo(7, length, new byte[32], k, symbolSize, layout.BlockCount, 1, repair, [], code, interleave);
        var schedule = info.Schedule();
        await using var session = ReceiveSession.Open(info, Path.Combine(_dir.Path, "s"), NullLogger.Instance, new UdpReceiverStats(), BlockCodecs.Production, new BlockBufferPool());
        var payload = new byte[symbolSize];
        for (long block = 0; block < layout.BlockCount; block++)
        {
            int ids = schedule.IdSpace(block);
            foreach (int id in new[] { ids, ids + 1, ids + 300, ushort.MaxValue }.Where(i => i <= ushort.MaxValue).Distinct())
            {
                Assert.Equal(StoreResult.Invalid, session.Store(Header(block, id, symbolSize), payload));
            }

            Assert.Equal(StoreResult.Stored, session.Store(Header(block, ids - 1, symbolSize), payload)); // the last id is a real one
        }

        // Nothing above counted for a block: each still needs k of its own symbols (here one short of k: not complete).
        for (long block = 0; block < layout.BlockCount; block++)
        {
            for (int j = 0; j < layout.DataSymbols(block) - 2; j++)
            {
                Assert.Equal(StoreResult.Stored, session.Store(Header(block, j, symbolSize), payload));
            }
        }

        Assert.Equal(0, session.BlocksDone);
    }

    private static PacketHeader Header(long block, int symbol, int symbolSize) =>
        new(PacketType.Symbol, 1, 7, 0, (uint)block, (ushort)symbol, (ushort)symbolSize);
}
