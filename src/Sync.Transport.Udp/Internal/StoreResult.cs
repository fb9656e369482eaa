namespace Sync.Transport.Udp.Internal;

/// <summary>What <see cref="ReceiveSession.Store"/> did with a symbol.</summary>
internal enum StoreResult
{
    Stored,
    Duplicate,
    /// <summary>The block was already complete: nothing to do.</summary>
    Surplus,
    /// <summary>Block or symbol out of range, or wrong size: the packet is garbage.</summary>
    Invalid,
    /// <summary>Stored, and it was the last block the object needed.</summary>
    ObjectComplete,
}
