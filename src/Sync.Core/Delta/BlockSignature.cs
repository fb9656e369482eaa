using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Numerics;

namespace Sync.Core.Delta;

/// <summary>
/// A compact description of a file's content, block by block: for each fixed-size block a weak rolling checksum
/// and a 128-bit XxHash128. The outside keeps it after the old bytes are gone; with it and the new content,
/// <see cref="DeltaEncoder"/> finds which stretches of the new content the inside already holds.
/// </summary>
/// <remarks>
/// <para>The last block may be short. The strong hash is not cryptographic: the signature only steers which bytes
/// are sent, and the receiver checks the rebuilt file against its SHA-256 digest, so a collision costs a retry,
/// never a silently wrong file.</para>
/// <para>Serialized form (all little-endian):
/// <code>
/// 0   4  magic "BSIG"
/// 4   2  version (1)
/// 6   2  reserved, zero
/// 8   4  block size (a power of two in [64, 65536])
/// 12  4  block count (= ceil(base length / block size))
/// 16  8  base length
/// 24  20 × count: weak checksum (4), strong hash low half (8), strong hash high half (8)
/// end 8  XxHash3 (64-bit) of every byte before it
/// </code>
/// </para>
/// Instances are immutable and safe to share between threads.
/// </remarks>
public sealed class BlockSignature
{
    public const int MinBlockSize = 64;
    public const int MaxBlockSize = 65536;

    /// <summary>The number of blocks <see cref="ChooseBlockSize"/> aims at: it bounds the signature to about 2.5 MiB up to 8 GiB files.</summary>
    public const int TargetBlockCount = 131072;

    /// <summary>A hard bound on the blocks a serialized signature may claim (a 1 TiB file at the largest block size).</summary>
    public const int MaxBlockCount = 1 << 24;

    private const uint Magic = 0x47495342; // "BSIG" read as a little-endian uint
    private const ushort FormatVersion = 1;
    private const int HeaderSize = 24;
    private const int EntrySize = 20;
    private const int TrailerSize = 8;

    private readonly uint[] _weak;
    private readonly UInt128[] _strong;

    internal BlockSignature(int blockSize, long baseLength, uint[] weak, UInt128[] strong)
    {
        BlockSize = blockSize;
        BaseLength = baseLength;
        _weak = weak;
        _strong = strong;
    }

    /// <summary>The block length; every block but the last is exactly this long.</summary>
    public int BlockSize { get; }

    /// <summary>The length of the content the signature describes.</summary>
    public long BaseLength { get; }

    public int BlockCount => _weak.Length;

    /// <summary>The number of bytes <see cref="WriteTo"/> writes.</summary>
    public long SerializedLength => HeaderSize + ((long)BlockCount * EntrySize) + TrailerSize;

    internal ReadOnlySpan<uint> WeakChecksums => _weak;

    internal ReadOnlySpan<UInt128> StrongHashes => _strong;

    public uint GetWeakChecksum(int index) => _weak[index];

    public UInt128 GetStrongHash(int index) => _strong[index];

    public long GetBlockOffset(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, BlockCount);
        return (long)index * BlockSize;
    }

    public int GetBlockLength(int index) => (int)Math.Min(BlockSize, BaseLength - GetBlockOffset(index));

    /// <summary>
    /// The block size for content of <paramref name="length"/> bytes: the next power of two at or above
    /// length / 131072, clamped to [64, 65536]. Small blocks find more matches; fewer blocks keep the signature small.
    /// </summary>
    public static int ChooseBlockSize(long length)
    {
        if (length <= (long)MinBlockSize * TargetBlockCount)
        {
            return MinBlockSize;
        }

        var perBlock = (length + TargetBlockCount - 1) / TargetBlockCount;
        return perBlock >= MaxBlockSize ? MaxBlockSize : (int)BitOperations.RoundUpToPowerOf2((uint)perBlock);
    }

    internal static int CountBlocks(long length, int blockSize) => checked((int)((length + blockSize - 1) / blockSize));

    public void WriteTo(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var hasher = new XxHash3();
        var buffer = ArrayPool<byte>.Shared.Rent(64 << 10);
        try
        {
            var span = buffer.AsSpan();
            BinaryPrimitives.WriteUInt32LittleEndian(span, Magic);
            BinaryPrimitives.WriteUInt16LittleEndian(span[4..], FormatVersion);
            BinaryPrimitives.WriteUInt16LittleEndian(span[6..], 0);
            BinaryPrimitives.WriteInt32LittleEndian(span[8..], BlockSize);
            BinaryPrimitives.WriteInt32LittleEndian(span[12..], BlockCount);
            BinaryPrimitives.WriteInt64LittleEndian(span[16..], BaseLength);
            var used = HeaderSize;
            for (var i = 0; i < _weak.Length; i++)
            {
                if (used + EntrySize > span.Length)
                {
                    Flush(destination, hasher, span[..used]);
                    used = 0;
                }

                var entry = span.Slice(used, EntrySize);
                BinaryPrimitives.WriteUInt32LittleEndian(entry, _weak[i]);
                BinaryPrimitives.WriteUInt64LittleEndian(entry[4..], (ulong)_strong[i]);
                BinaryPrimitives.WriteUInt64LittleEndian(entry[12..], (ulong)(_strong[i] >> 64));
                used += EntrySize;
            }

            Flush(destination, hasher, span[..used]);
            BinaryPrimitives.WriteUInt64LittleEndian(span, hasher.GetCurrentHashAsUInt64());
            destination.Write(span[..TrailerSize]);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        static void Flush(Stream destination, XxHash3 hasher, ReadOnlySpan<byte> bytes)
        {
            hasher.Append(bytes);
            destination.Write(bytes);
        }
    }

    /// <summary>
    /// Reads a signature written by <see cref="WriteTo"/>, leaving <paramref name="source"/> just past it.
    /// The header is checked in full before anything is allocated, so a corrupt or hostile file costs at most
    /// what a genuine signature of <paramref name="maxBaseLength"/> bytes of content would.
    /// </summary>
    /// <exception cref="InvalidDataException">The data is truncated, corrupt, or describes more than <paramref name="maxBaseLength"/> bytes.</exception>
    public static BlockSignature ReadFrom(Stream source, long maxBaseLength)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBaseLength);

        Span<byte> header = stackalloc byte[HeaderSize];
        ReadOrThrow(source, header, "header");
        var magic = BinaryPrimitives.ReadUInt32LittleEndian(header);
        var version = BinaryPrimitives.ReadUInt16LittleEndian(header[4..]);
        var reserved = BinaryPrimitives.ReadUInt16LittleEndian(header[6..]);
        var blockSize = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        var blockCount = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        var baseLength = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);

        if (magic != Magic)
        {
            throw new InvalidDataException("not a block signature (bad magic)");
        }

        if (version != FormatVersion)
        {
            throw new InvalidDataException($"block signature version {version} is not supported (this build reads version {FormatVersion})");
        }

        if (reserved != 0)
        {
            throw new InvalidDataException($"block signature reserved field is {reserved}, expected 0");
        }

        if (blockSize < MinBlockSize || blockSize > MaxBlockSize || !BitOperations.IsPow2(blockSize))
        {
            throw new InvalidDataException($"block signature block size {blockSize} is not a power of two in [{MinBlockSize}, {MaxBlockSize}]");
        }

        if (baseLength < 0 || baseLength > maxBaseLength)
        {
            throw new InvalidDataException($"block signature describes {baseLength} bytes, outside [0, {maxBaseLength}]");
        }

        var expectedCount = (baseLength + blockSize - 1) / blockSize;
        if (blockCount != expectedCount)
        {
            throw new InvalidDataException($"block signature claims {blockCount} blocks, but {baseLength} bytes in blocks of {blockSize} make {expectedCount}");
        }

        if (blockCount > MaxBlockCount)
        {
            throw new InvalidDataException($"block signature has {blockCount} blocks, more than the limit of {MaxBlockCount}");
        }

        var bodyLength = ((long)blockCount * EntrySize) + TrailerSize;
        if (source.CanSeek && source.Length - source.Position < bodyLength)
        {
            throw new InvalidDataException($"block signature is truncated: {blockCount} blocks need {bodyLength} more bytes, {source.Length - source.Position} remain");
        }

        var hasher = new XxHash3();
        hasher.Append(header);
        var weak = new uint[blockCount];
        var strong = new UInt128[blockCount];
        var buffer = ArrayPool<byte>.Shared.Rent(64 << 10);
        try
        {
            var perRead = buffer.Length / EntrySize;
            for (var done = 0; done < blockCount;)
            {
                var count = Math.Min(perRead, blockCount - done);
                var span = buffer.AsSpan(0, count * EntrySize);
                ReadOrThrow(source, span, "block entries");
                hasher.Append(span);
                for (var i = 0; i < count; i++, done++)
                {
                    var entry = span.Slice(i * EntrySize, EntrySize);
                    weak[done] = BinaryPrimitives.ReadUInt32LittleEndian(entry);
                    var low = BinaryPrimitives.ReadUInt64LittleEndian(entry[4..]);
                    var high = BinaryPrimitives.ReadUInt64LittleEndian(entry[12..]);
                    strong[done] = new UInt128(high, low);
                }
            }

            var trailer = buffer.AsSpan(0, TrailerSize);
            ReadOrThrow(source, trailer, "checksum");
            if (BinaryPrimitives.ReadUInt64LittleEndian(trailer) != hasher.GetCurrentHashAsUInt64())
            {
                throw new InvalidDataException("block signature checksum does not match its content (corrupt)");
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return new BlockSignature(blockSize, baseLength, weak, strong);
    }

    private static void ReadOrThrow(Stream source, Span<byte> destination, string what)
    {
        try
        {
            source.ReadExactly(destination);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"block signature is truncated (in its {what})", e);
        }
    }
}
