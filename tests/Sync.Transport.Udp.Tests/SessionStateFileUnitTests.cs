using System.Buffers.Binary;
using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp.Tests;

/// <summary>Issue 9 (the udp-session-state fuzz target): a spool state record is read at start-up, so a damaged one is skipped, never thrown, and costs no more than its bytes.</summary>
public sealed class SessionStateFileUnitTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sync-udp-state-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_record_of_more_blocks_than_32_bit_ids_hold_is_not_a_record()
    {
        // 1 TiB (the largest object) in 1-byte symbols, one per block: 2^40 blocks.
        var header = new byte[64];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0x53445953);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), 1);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16), 1L << 40);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(56), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(58), 1);
        var path = Path.Combine(_folder, "state");
        File.WriteAllBytes(path, header);

        Assert.Null(SessionStateFile.ReadInfo(path));
    }

    /// <summary>
    /// Seen in review, confirmed through the udp-session-state fuzz target (which now runs start-up's CompleteSpool): a
    /// 64-byte record claiming 2^24 blocks made the receiver allocate 512 MiB of bitmaps at start-up (and stretch the
    /// file to that size) before it found the file too short for them.
    /// </summary>
    [Fact]
    public void A_record_whose_file_lacks_the_bitmaps_it_claims_is_not_a_record_and_costs_no_memory_at_start_up()
    {
        // 16 MiB in 1-byte symbols, one per block: 2^24 blocks, 512 MiB of bitmaps that the file does not hold.
        var header = new byte[64];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0x53445953);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), 1);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16), 1L << 24);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(56), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(58), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(60), 1 << 24);
        File.WriteAllBytes(Path.Combine(_folder, "state"), header);
        File.WriteAllBytes(Path.Combine(_folder, "descriptor"), [1]);

        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Null(ReceiveSession.CompleteSpool(_folder));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "start-up allocated for bitmaps the record does not hold");
        Assert.Null(SessionStateFile.ReadInfo(Path.Combine(_folder, "state")));
    }

    [Fact]
    public void A_whole_record_is_read_back()
    {
        var info = new AnnounceInfo(7, 1 << 20, new byte[32], 64, 1400, 12, 2, 16, []);
        var path = Path.Combine(_folder, "state");
        using (SessionStateFile.Open(path, info, new byte[info.BlockCount * info.Layout().BitmapBytes], out _))
        {
        }

        Assert.True(SessionStateFile.ReadInfo(path)!.SameObject(info));
    }
}
