using System.Buffers.Binary;
using System.IO.Hashing;
using System.Security.Cryptography;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// What is this? Frames and checks datagrams: <c>header(32) | payload | MAC(16, optional) | checksum(4)</c>, all
/// little-endian. The checksum (low 32 bits of XXH3-64 over everything before it) catches corruption cheaply; the
/// MAC (HMAC-SHA256 truncated to 16 bytes, over header and payload) stops forged packets before they can poison a
/// decode. Stateless and thread-safe: the sender seals on its producer thread, the receiver opens on its receive thread.
/// </summary>
internal static class PacketCodec
{
    public const uint Magic = 0x50445953; // "SYDP" on the wire
    public const byte Version = 2;
    public const int HeaderSize = 32;
    public const int MacSize = 16;
    public const int ChecksumSize = 4;

    /// <summary>IPv4 (20) + UDP (8): what every datagram costs on the wire on top of its own bytes.</summary>
    public const int IpUdpOverhead = 28;

    private const byte FlagMac = 0x01;

    public static int TrailerSize(bool mac) => (mac ? MacSize : 0) + ChecksumSize;

    public static int DatagramSize(int payloadLength, bool mac) => HeaderSize + payloadLength + TrailerSize(mac);

    /// <summary>Writes the header into the first <see cref="HeaderSize"/> bytes; the payload goes right after it.</summary>
    public static void WriteHeader(Span<byte> datagram, in PacketHeader header, bool mac)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(datagram, Magic);
        datagram[4] = Version;
        datagram[5] = (byte)header.Type;
        datagram[6] = mac ? FlagMac : (byte)0;
        datagram[7] = header.Pass;
        BinaryPrimitives.WriteUInt64LittleEndian(datagram[8..], header.SessionId);
        BinaryPrimitives.WriteUInt64LittleEndian(datagram[16..], header.Sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(datagram[24..], header.Block);
        BinaryPrimitives.WriteUInt16LittleEndian(datagram[28..], header.Symbol);
        BinaryPrimitives.WriteUInt16LittleEndian(datagram[30..], header.PayloadLength);
    }

    /// <summary>
    /// Appends the MAC (when <paramref name="macKey"/> is set) and the checksum to a datagram whose header and
    /// payload are in place. <paramref name="datagram"/> must be exactly <see cref="DatagramSize"/> long.
    /// </summary>
    public static void Seal(Span<byte> datagram, byte[]? macKey)
    {
        int checksumAt = datagram.Length - ChecksumSize;
        if (macKey is not null)
        {
            int macAt = checksumAt - MacSize;
            ComputeMac(macKey, datagram[..macAt], datagram.Slice(macAt, MacSize));
        }

        BinaryPrimitives.WriteUInt32LittleEndian(datagram[checksumAt..], Checksum(datagram[..checksumAt]));
    }

    /// <summary>Validates a received datagram in the order cheapest first: length and magic, version, checksum, MAC.</summary>
    public static PacketStatus TryOpen(ReadOnlySpan<byte> datagram, byte[]? macKey, out PacketHeader header)
    {
        header = default;
        if (datagram.Length < 4 || BinaryPrimitives.ReadUInt32LittleEndian(datagram) != Magic)
        {
            return PacketStatus.Garbage;
        }

        if (datagram.Length < 5)
        {
            return PacketStatus.Truncated;
        }

        if (datagram[4] != Version)
        {
            return PacketStatus.Foreign;
        }

        if (datagram.Length < HeaderSize + ChecksumSize)
        {
            return PacketStatus.Truncated;
        }

        byte flags = datagram[6];
        var type = (PacketType)datagram[5];
        if ((flags & ~FlagMac) != 0 || (type != PacketType.Announce && type != PacketType.Symbol))
        {
            return PacketStatus.Garbage;
        }

        bool hasMac = (flags & FlagMac) != 0;
        ushort payloadLength = BinaryPrimitives.ReadUInt16LittleEndian(datagram[30..]);
        int expected = DatagramSize(payloadLength, hasMac);
        if (datagram.Length < expected)
        {
            return PacketStatus.Truncated;
        }

        if (datagram.Length > expected)
        {
            return PacketStatus.Garbage;
        }

        int checksumAt = expected - ChecksumSize;
        if (BinaryPrimitives.ReadUInt32LittleEndian(datagram[checksumAt..]) != Checksum(datagram[..checksumAt]))
        {
            return PacketStatus.Garbage;
        }

        // A keyed receiver accepts only packets with a good MAC; an unkeyed one refuses MAC'd packets rather than
        // silently trusting them, so a key configured on one side only shows up at once in the counters.
        if (hasMac != (macKey is not null))
        {
            return PacketStatus.BadMac;
        }

        if (macKey is not null)
        {
            int macAt = checksumAt - MacSize;
            Span<byte> mac = stackalloc byte[MacSize];
            ComputeMac(macKey, datagram[..macAt], mac);
            if (!CryptographicOperations.FixedTimeEquals(mac, datagram.Slice(macAt, MacSize)))
            {
                return PacketStatus.BadMac;
            }
        }

        header = new PacketHeader(
            type,
            datagram[7],
            BinaryPrimitives.ReadUInt64LittleEndian(datagram[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(datagram[16..]),
            BinaryPrimitives.ReadUInt32LittleEndian(datagram[24..]),
            BinaryPrimitives.ReadUInt16LittleEndian(datagram[28..]),
            payloadLength);
        return PacketStatus.Ok;
    }

    private static uint Checksum(ReadOnlySpan<byte> bytes) => (uint)XxHash3.HashToUInt64(bytes);

    // One keyed HMAC context per thread, reused: setting up a fresh one for every packet (HMACSHA256.HashData)
    // costs more than hashing the packet itself.
    [ThreadStatic]
    private static IncrementalHash? t_hmac;

    [ThreadStatic]
    private static byte[]? t_hmacKey;

    private static void ComputeMac(byte[] key, ReadOnlySpan<byte> covered, Span<byte> destination)
    {
        IncrementalHash? hmac = t_hmac;
        if (hmac is null || !key.AsSpan().SequenceEqual(t_hmacKey))
        {
            hmac?.Dispose();
            hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
            t_hmac = hmac;
            t_hmacKey = (byte[])key.Clone();
        }

        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        hmac.AppendData(covered);
        hmac.GetHashAndReset(full);
        full[..MacSize].CopyTo(destination);
    }
}
