using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Sync.Fec.Internal;

/// <summary>Views shared by both codecs' argument checks.</summary>
internal static class SymbolSpans
{
    /// <summary>The same symbols, read-only: Memory and ReadOnlyMemory share one layout, as their own conversion relies on.</summary>
    public static ReadOnlySpan<ReadOnlyMemory<byte>> AsReadOnly(ReadOnlySpan<Memory<byte>> symbols) =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<Memory<byte>, ReadOnlyMemory<byte>>(ref MemoryMarshal.GetReference(symbols)), symbols.Length);
}
