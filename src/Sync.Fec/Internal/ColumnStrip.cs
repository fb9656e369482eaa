namespace Sync.Fec.Internal;

/// <summary>
/// One column strip of every symbol (bytes [Offset, Offset + Width)) and the work slots that hold it during a
/// transform: slot j at <c>slots + j·Stride</c>. The moves between caller symbols and slots live here.
/// </summary>
internal readonly unsafe struct ColumnStrip((int Offset, int Width) strip, int stride)
{
    public int Offset { get; } = strip.Offset;

    public int Width { get; } = strip.Width;

    public int Stride { get; } = stride;

    public int PhaseLayers { get; } = Gf16Strips.PhaseLayers(stride);

    public byte* Slot(byte* slots, int j) => slots + (nint)j * Stride;

    public void Load(byte* slots, int j, ReadOnlySpan<byte> symbol) => symbol.Slice(Offset, Width).CopyTo(new Span<byte>(Slot(slots, j), Width));

    public void Store(Span<byte> symbol, byte* slots, int j) => new ReadOnlySpan<byte>(Slot(slots, j), Width).CopyTo(symbol.Slice(Offset, Width));

    public void Clear(byte* slots, int j) => new Span<byte>(Slot(slots, j), Width).Clear();

    public void Copy(byte* destination, byte* source, int count) =>
        new ReadOnlySpan<byte>(source, (count - 1) * Stride + Width).CopyTo(new Span<byte>(destination, (count - 1) * Stride + Width));

    public void XorInto(byte* destination, byte* source, int count)
    {
        for (var j = 0; j < count; j++)
        {
            RegionXor.Into(Slot(destination, j), Slot(source, j), Width);
        }
    }
}
