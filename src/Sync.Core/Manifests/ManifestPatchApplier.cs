using System.Buffers;
using Sync.Core.Delta;

namespace Sync.Core.Manifests;

/// <summary>
/// The inside's half of <see cref="ManifestPatch"/>: rebuilds a manifest of the signed size from the published
/// base manifest and the ops the stream carries, op by op, refusing any op that reads outside the base or writes past
/// the signed size. The base is read where a copy points (from the state's file, never loaded whole) and the result
/// goes to an <see cref="IncomingManifest"/>, which checks it against the signed digest; until then it is untrusted.
/// </summary>
/// <param name="baseManifest">The published manifest, seekable; its digest was checked before it is given here.</param>
public sealed class ManifestPatchApplier(Stream baseManifest, IncomingManifest target, string what)
{
    private const int CopySlice = 1 << 16;

    public void Apply(DeltaOp op)
    {
        if (op.Length > target.Remaining)
        {
            throw SyncException.Refused(RefusalKind.Damaged, $"{what}: manifest patch writes past the manifest's signed size of {target.SignedSize} bytes");
        }

        if (!op.IsCopy)
        {
            target.Append(op.Data.Span);
            return;
        }

        if (op.BaseOffset < 0 || op.BaseOffset > baseManifest.Length - op.Length)
        {
            throw SyncException.Refused(RefusalKind.Damaged, $"{what}: manifest patch copies bytes {op.BaseOffset}+{op.Length} from a base manifest of {baseManifest.Length} bytes");
        }

        var slice = ArrayPool<byte>.Shared.Rent(Math.Min(op.Length, CopySlice));
        try
        {
            baseManifest.Position = op.BaseOffset;
            for (var left = op.Length; left > 0;)
            {
                var part = slice.AsSpan(0, Math.Min(left, slice.Length));
                baseManifest.ReadExactly(part);
                target.Append(part);
                left -= part.Length;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(slice);
        }
    }

    /// <summary>Checks the rebuilt manifest filled exactly its signed size and matches its signed digest.</summary>
    public void Finish() => target.Finish("manifest patch ends");
}
