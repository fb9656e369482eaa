using System.Buffers.Binary;

namespace Sync.Fuzz;

/// <summary>
/// Splits one fuzz input into the several pieces a target needs (files, messages, datagrams): each piece is a
/// little-endian length then its bytes; a length running past the end takes what is left.
/// </summary>
internal struct InputCursor(ReadOnlyMemory<byte> input)
{
    private ReadOnlyMemory<byte> _rest = input;

    public readonly bool IsEmpty => _rest.IsEmpty;

    public readonly ReadOnlyMemory<byte> Rest => _rest;

    public byte ReadByte()
    {
        if (_rest.IsEmpty)
        {
            return 0;
        }

        var value = _rest.Span[0];
        _rest = _rest[1..];
        return value;
    }

    public ReadOnlyMemory<byte> ReadPiece16() => ReadPiece(2);

    public ReadOnlyMemory<byte> ReadPiece32() => ReadPiece(4);

    private ReadOnlyMemory<byte> ReadPiece(int prefix)
    {
        if (_rest.Length < prefix)
        {
            var tail = _rest;
            _rest = default;
            return tail;
        }

        long length = prefix == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(_rest.Span) : BinaryPrimitives.ReadUInt32LittleEndian(_rest.Span);
        _rest = _rest[prefix..];
        var take = (int)Math.Min(length, _rest.Length);
        var piece = _rest[..take];
        _rest = _rest[take..];
        return piece;
    }

    /// <summary>The pieces' encoding, for seeds.</summary>
    public static byte[] Join16(IEnumerable<byte[]> pieces) => Join(pieces, 2);

    public static byte[] Join32(IEnumerable<byte[]> pieces) => Join(pieces, 4);

    private static byte[] Join(IEnumerable<byte[]> pieces, int prefix)
    {
        using var output = new MemoryStream();
        Span<byte> length = stackalloc byte[4];
        foreach (var piece in pieces)
        {
            if (prefix == 2)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(length, checked((ushort)piece.Length));
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)piece.Length);
            }

            output.Write(length[..prefix]);
            output.Write(piece);
        }

        return output.ToArray();
    }
}
