using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;
using Sync.Core.Delta;

namespace Sync.Core.Manifests;

/// <summary>
/// A delta generation's manifest as a byte patch against the base manifest both ends hold, so a day that changes 1%
/// of a mirror sends about 1% of its manifest rather than all of it. Manifests list entries sorted by path, so
/// unchanged entries keep their bytes and the rsync-style encoder (<see cref="DeltaEncoder"/>) finds them with small
/// blocks; each change costs its own bytes plus about one block. The inside rebuilds the whole manifest and checks it
/// against the signed digest before using it (<see cref="ManifestPatchApplier"/>).
/// </summary>
public static class ManifestPatch
{
    /// <summary>Blocks the base is cut into at most (about 20 bytes each in the signature): a 64 MiB manifest gets 128-byte blocks.</summary>
    private const int TargetBlocks = 1 << 19;

    /// <summary>What one op costs on the wire besides its literal bytes, as PatchFrame encodes it (tags, varints, framing).</summary>
    private const int OpOverheadBytes = 12;

    /// <summary>
    /// The ops that rebuild <paramref name="target"/> from <paramref name="baseManifest"/>, or null when sending the
    /// manifest whole is about as cheap (more than 90% of it would travel anyway).
    /// </summary>
    public static async Task<IReadOnlyList<DeltaOp>?> EncodeAsync(ReadOnlyMemory<byte> baseManifest, ReadOnlyMemory<byte> target, CancellationToken cancellationToken)
    {
        if (baseManifest.IsEmpty || target.IsEmpty)
        {
            return null;
        }

        // The encoder reads a stream; over the caller's array when there is one, so nothing is copied.
        using var stream = MemoryMarshal.TryGetArray(target, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(target.ToArray(), writable: false);
        return await EncodeAsync(baseManifest, stream, target.Length, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>As the other overload, with the target read from a stream (the staged file) of <paramref name="targetLength"/> bytes.</summary>
    public static async Task<IReadOnlyList<DeltaOp>?> EncodeAsync(
        ReadOnlyMemory<byte> baseManifest, Stream target, long targetLength, CancellationToken cancellationToken)
    {
        return baseManifest.IsEmpty ? null : await EncodeAsync(SignatureOf(baseManifest.Span), target, targetLength, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// As the other overloads, from the base's block signature alone (<see cref="SignatureOf(Stream, long)"/>): a base
    /// read from a file need never be whole in memory (56 MB for a 600,000-entry mirror; its signature is about 10 MB).
    /// </summary>
    public static async Task<IReadOnlyList<DeltaOp>?> EncodeAsync(
        BlockSignature baseSignature, Stream target, long targetLength, CancellationToken cancellationToken)
    {
        if (baseSignature.BaseLength == 0 || targetLength == 0)
        {
            return null;
        }

        var signature = baseSignature;
        var ops = new List<DeltaOp>();
        long wireBytes = 0;
        await DeltaEncoder.EncodeAsync(signature, target, (op, _) =>
        {
            // A literal points into the encoder's buffer until this returns: keep a copy.
            ops.Add(op.IsCopy ? op : DeltaOp.Literal(op.Data.ToArray()));
            wireBytes += OpOverheadBytes + (op.IsCopy ? 0 : op.Length);
            return ValueTask.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);

        return wireBytes < targetLength * 9L / 10 ? ops : null;
    }

    /// <summary>The block signature the encoder matches a target against, with blocks sized for a manifest of this length.</summary>
    public static BlockSignature SignatureOf(ReadOnlySpan<byte> baseManifest)
    {
        var builder = new SignatureBuilder(baseManifest.Length, BlockSizeFor(baseManifest.Length));
        builder.Append(baseManifest);
        return builder.Build();
    }

    /// <summary>As <see cref="SignatureOf(ReadOnlySpan{byte})"/>, reading the base's <paramref name="length"/> bytes from a stream in slices.</summary>
    public static BlockSignature SignatureOf(Stream baseManifest, long length)
    {
        var builder = new SignatureBuilder(length, BlockSizeFor(length));
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            int read;
            while ((read = baseManifest.Read(buffer, 0, buffer.Length)) > 0)
            {
                builder.Append(buffer.AsSpan(0, read));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (builder.Length != length)
        {
            throw new IOException($"the base manifest has {builder.Length} bytes, not the {length} expected");
        }

        return builder.Build();
    }

    /// <summary>The bytes a patch adds to the stream, for reports: literal bytes plus the ops' own encoding.</summary>
    public static long WireBytes(IReadOnlyList<DeltaOp> ops) => ops.Sum(op => OpOverheadBytes + (op.IsCopy ? 0L : op.Length));

    private static int BlockSizeFor(long length)
    {
        var perBlock = Math.Max(BlockSignature.MinBlockSize, (length + TargetBlocks - 1) / TargetBlocks);
        return perBlock >= BlockSignature.MaxBlockSize ? BlockSignature.MaxBlockSize : (int)BitOperations.RoundUpToPowerOf2((ulong)perBlock);
    }
}
