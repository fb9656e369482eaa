namespace Sync.Transport.Udp.Internal;

/// <summary>Why <see cref="PacketCodec.TryOpen"/> accepted or refused a datagram; each refusal has its own counter.</summary>
internal enum PacketStatus
{
    Ok,
    /// <summary>Wrong magic, unknown type, impossible lengths or a checksum that does not match.</summary>
    Garbage,
    /// <summary>Shorter than its header says.</summary>
    Truncated,
    /// <summary>Our magic but another wire version.</summary>
    Foreign,
    /// <summary>MAC missing, unexpected or wrong: never reaches the decoder.</summary>
    BadMac,
}
