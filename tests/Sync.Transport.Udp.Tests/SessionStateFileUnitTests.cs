using System.Buffers.Binary;
using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp.Tests;

/// <summary>Issue 9 (found by the udp-session-state fuzz target): a spool state record is read at start-up, so a damaged one is skipped, never thrown.</summary>
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
}
