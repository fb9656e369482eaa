using System.IO.Hashing;

namespace Sync.Core.Delta;

/// <summary>
/// Builds a <see cref="BlockSignature"/> from content fed in arbitrary pieces. The scanner feeds it the same
/// buffers it hashes, so a file is read once; the builder holds at most one partial block of its own.
/// </summary>
/// <remarks>Not thread-safe: one builder per file, fed by one caller.</remarks>
public sealed class SignatureBuilder
{
    private readonly long _expectedLength;
    private readonly int _blockSize;
    private readonly uint[] _weak;
    private readonly UInt128[] _strong;
    private byte[]? _partial;
    private int _partialLength;
    private int _blocks;
    private long _appended;
    private bool _built;

    public SignatureBuilder(long expectedLength)
        : this(expectedLength, BlockSignature.ChooseBlockSize(expectedLength))
    {
    }

    /// <summary>With a block size of the caller's choosing: small blocks for small, scattered changes (a manifest).</summary>
    public SignatureBuilder(long expectedLength, int blockSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(expectedLength);
        if (blockSize < BlockSignature.MinBlockSize || blockSize > BlockSignature.MaxBlockSize || !System.Numerics.BitOperations.IsPow2(blockSize))
        {
            throw new ArgumentOutOfRangeException(nameof(blockSize), blockSize, $"a power of two in [{BlockSignature.MinBlockSize}, {BlockSignature.MaxBlockSize}]");
        }

        _expectedLength = expectedLength;
        _blockSize = blockSize;
        var count = BlockSignature.CountBlocks(expectedLength, _blockSize);
        _weak = new uint[count];
        _strong = new UInt128[count];
    }

    public int BlockSize => _blockSize;

    /// <summary>The bytes appended so far.</summary>
    public long Length => _appended;

    /// <exception cref="InvalidOperationException">More bytes than the expected length, or the signature was already built.</exception>
    public void Append(ReadOnlySpan<byte> data)
    {
        ThrowIfBuilt();
        if (data.Length > _expectedLength - _appended)
        {
            throw new InvalidOperationException(
                $"signature builder expected {_expectedLength} bytes but was given at least {_appended + data.Length} (the file grew while it was read?)");
        }

        _appended += data.Length;

        if (_partialLength > 0)
        {
            var take = Math.Min(_blockSize - _partialLength, data.Length);
            data[..take].CopyTo(_partial.AsSpan(_partialLength));
            _partialLength += take;
            data = data[take..];
            if (_partialLength < _blockSize)
            {
                return;
            }

            AddBlock(_partial.AsSpan(0, _blockSize));
            _partialLength = 0;
        }

        // Whole blocks straight from the caller's buffer; only a trailing piece is copied.
        while (data.Length >= _blockSize)
        {
            AddBlock(data[.._blockSize]);
            data = data[_blockSize..];
        }

        if (!data.IsEmpty)
        {
            _partial ??= new byte[_blockSize];
            data.CopyTo(_partial);
            _partialLength = data.Length;
        }
    }

    /// <exception cref="InvalidOperationException">Fewer bytes than the expected length were appended, or the signature was already built.</exception>
    public BlockSignature Build()
    {
        ThrowIfBuilt();
        if (_appended != _expectedLength)
        {
            throw new InvalidOperationException(
                $"signature builder expected {_expectedLength} bytes but was given {_appended} (the file shrank while it was read?)");
        }

        if (_partialLength > 0)
        {
            AddBlock(_partial.AsSpan(0, _partialLength));
            _partialLength = 0;
        }

        _built = true;
        return new BlockSignature(_blockSize, _expectedLength, _weak, _strong);
    }

    private void AddBlock(ReadOnlySpan<byte> block)
    {
        _weak[_blocks] = WeakChecksum.Compute(block);
        _strong[_blocks] = XxHash128.HashToUInt128(block);
        _blocks++;
    }

    private void ThrowIfBuilt()
    {
        if (_built)
        {
            throw new InvalidOperationException("the signature was already built; use a new builder for the next file");
        }
    }
}
