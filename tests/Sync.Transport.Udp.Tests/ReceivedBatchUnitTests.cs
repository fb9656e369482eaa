using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp.Tests;

public sealed class ReceivedBatchUnitTests
{
    [Theory]
    [InlineData(1472)]
    [InlineData(8972)]
    public void A_new_batch_grows_once_to_a_full_burst_and_keeps_every_datagram_where_it_was_put(int datagramLength)
    {
        var batch = new ReceivedBatchPool().Rent();
        var header = default(PacketHeader);
        byte[] datagram = new byte[datagramLength];

        datagram[^1] = 0xFF;
        batch.Add(header, datagram);
        int capacity = batch.Capacity;
        Assert.True(capacity >= ReceivedBatch.MaxPackets * datagramLength, $"capacity {capacity}");

        for (int i = 1; i < ReceivedBatch.MaxPackets; i++)
        {
            datagram[0] = (byte)i;
            datagram[^1] = (byte)~i;
            batch.Add(header, datagram);
        }

        // No second growth, so no copy of the batch on the receive thread.
        Assert.Equal(capacity, batch.Capacity);
        Assert.Equal(ReceivedBatch.MaxPackets, batch.Count);
        for (int i = 0; i < ReceivedBatch.MaxPackets; i++)
        {
            ReceivedPacket packet = batch[i];
            Assert.Equal(datagramLength, packet.Length);
            Assert.Equal((byte)i, packet.Buffer[packet.Offset]);
            Assert.Equal((byte)~i, packet.Buffer[packet.Offset + datagramLength - 1]);
        }

        // A datagram past a full burst still fits: the buffer doubles.
        batch.Add(header, datagram);
        Assert.Equal(2 * capacity, batch.Capacity);
        Assert.Equal(ReceivedBatch.MaxPackets + 1, batch.Count);
    }
}
