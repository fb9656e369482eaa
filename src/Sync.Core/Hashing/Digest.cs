using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Sync.Core.Hashing;

/// <summary>A SHA-256 value held as four words, so it is cheap to compare and to use as a dictionary key.</summary>
public readonly struct Digest : IEquatable<Digest>, IComparable<Digest>
{
    public const int Size = 32;

    private readonly ulong _a, _b, _c, _d;

    private Digest(ulong a, ulong b, ulong c, ulong d) => (_a, _b, _c, _d) = (a, b, c, d);

    public static Digest Empty => default;

    public bool IsEmpty => (_a | _b | _c | _d) == 0;

    /// <summary>The first 8 bytes, big-endian: a sort key that orders digests as <see cref="CompareTo"/> does, word one.</summary>
    internal ulong Prefix => _a;

    public static Digest FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new FormatException($"a digest is {Size} bytes, got {bytes.Length}");
        }

        return new Digest(
            BinaryPrimitives.ReadUInt64BigEndian(bytes),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]));
    }

    public static Digest Compute(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[Size];
        SHA256.HashData(data, hash);
        return FromBytes(hash);
    }

    public static Digest Parse(string hex) => FromBytes(Convert.FromHexString(hex));

    /// <summary>True when <paramref name="hex"/> is a digest as <see cref="ToHex"/> writes it (state files hold them).</summary>
    public static bool IsHex(string? hex) => hex is { Length: Size * 2 } && hex.AsSpan().IndexOfAnyExcept("0123456789abcdef") < 0;

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _a);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _b);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _c);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _d);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    public string ToHex()
    {
        Span<byte> bytes = stackalloc byte[Size];
        WriteTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    /// <summary>The first 12 hex digits: enough to name a content in a message.</summary>
    public string ToShortHex() => ToHex()[..12];

    public bool Equals(Digest other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;

    public override bool Equals(object? obj) => obj is Digest other && Equals(other);

    public override int GetHashCode() => (int)_a ^ (int)(_a >> 32);

    public int CompareTo(Digest other)
    {
        var c = _a.CompareTo(other._a);
        if (c != 0) return c;
        c = _b.CompareTo(other._b);
        if (c != 0) return c;
        c = _c.CompareTo(other._c);
        return c != 0 ? c : _d.CompareTo(other._d);
    }

    public static bool operator ==(Digest left, Digest right) => left.Equals(right);

    public static bool operator !=(Digest left, Digest right) => !left.Equals(right);

    public override string ToString() => ToHex();
}
