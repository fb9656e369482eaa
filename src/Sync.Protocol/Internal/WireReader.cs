using Sync.Core;

namespace Sync.Protocol.Internal;

/// <summary>
/// What is this? A strict protobuf reader over a span, for the frame decoder's hot path: it hands out field
/// positions instead of copies, so chunk data can be returned as a slice of the reader's buffer.
/// It accepts a subset of what the generated parser accepts (no groups, no 64-bit lengths, no over-long
/// varints); anything it accepts the generated parser reads the same way (a fuzz test checks this).
/// Every problem is a refusal naming what was wrong.
/// </summary>
internal ref struct WireReader
{
    public const int Varint = 0;
    public const int Fixed64 = 1;
    public const int LengthDelimited = 2;
    public const int Fixed32 = 5;

    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public WireReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    /// <summary>Reads the next field key; false at the end of the data.</summary>
    public bool TryReadKey(out int field, out int wireType)
    {
        if (_position >= _data.Length)
        {
            field = 0;
            wireType = 0;
            return false;
        }

        var key = ReadVarint();
        if (key > uint.MaxValue)
        {
            throw Malformed("field key out of range");
        }

        field = (int)(key >> 3);
        wireType = (int)(key & 7);
        if (field == 0)
        {
            throw Malformed("field number 0");
        }

        if (wireType is not (Varint or Fixed64 or LengthDelimited or Fixed32))
        {
            throw Malformed($"field {field} has unsupported wire type {wireType}");
        }

        return true;
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _data.Length)
            {
                throw Malformed("varint runs past the end");
            }

            var b = _data[_position++];
            if (shift == 63 && b > 1)
            {
                throw Malformed("varint overflows 64 bits");
            }

            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw Malformed("varint longer than 10 bytes");
    }

    /// <summary>Reads a length-delimited field and returns where its bytes are in the data.</summary>
    public (int Offset, int Length) ReadLengthDelimited()
    {
        var length = ReadVarint();
        if (length > (ulong)(_data.Length - _position))
        {
            throw Malformed($"field of {length} bytes runs past the end");
        }

        var offset = _position;
        _position += (int)length;
        return (offset, (int)length);
    }

    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case Varint:
                _ = ReadVarint();
                break;
            case LengthDelimited:
                _ = ReadLengthDelimited();
                break;
            case Fixed64:
                Advance(8);
                break;
            case Fixed32:
                Advance(4);
                break;
            default:
                throw Malformed($"unsupported wire type {wireType}");
        }
    }

    /// <summary>Throws unless a field has the wire type its declaration implies.</summary>
    public static void Expect(int field, int wireType, int expected)
    {
        if (wireType != expected)
        {
            throw Malformed($"field {field} has wire type {wireType}, expected {expected}");
        }
    }

    public static SyncException Malformed(string detail) => SyncException.Refused($"malformed protobuf: {detail}");

    private void Advance(int count)
    {
        if (_data.Length - _position < count)
        {
            throw Malformed("fixed-size field runs past the end");
        }

        _position += count;
    }
}
