namespace Sync.Transport.Udp.Internal;

/// <summary>One symbol to send: its block and its id within the block (below k: data; from k: repair id - k).</summary>
internal readonly record struct SymbolRef(long Block, int Symbol);
