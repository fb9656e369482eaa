namespace Sync.Transport.Udp;

/// <summary>The erasure code of one UDP session. The session ticket names it, so both ends build the same code.</summary>
public enum FecCode
{
    /// <summary>
    /// Cauchy Reed-Solomon over GF(2^8): blocks of at most 256 symbols (k + repair), any symbol length. Cheap for
    /// small objects; against bursts it needs interleaving, and its short blocks need a large share of repairs.
    /// </summary>
    ReedSolomon8 = 0,

    /// <summary>
    /// Reed-Solomon over GF(2^16) with FFT encode and decode: blocks of up to 65,536 symbols, so a block's repair share
    /// can sit close to the link's loss rate. Symbols are a multiple of 64 bytes. For large objects (see fec-plan).
    /// </summary>
    ReedSolomon16 = 1,
}
