using Sync.Core.Delta;

namespace Sync.Core.Manifests;

/// <summary>
/// The inside's half of <see cref="ManifestPatch"/>: rebuilds a manifest of the signed size from the published
/// base manifest and the ops the stream carries, op by op, refusing any op that reads outside the base or writes past
/// the signed size. The caller checks the result against the signed digest; until then it is untrusted bytes.
/// </summary>
public sealed class ManifestPatchApplier
{
    private readonly ReadOnlyMemory<byte> _base;
    private readonly byte[] _target;
    private readonly string _what;
    private int _filled;

    public ManifestPatchApplier(ReadOnlyMemory<byte> baseManifest, long targetSize, string what)
    {
        _base = baseManifest;
        _target = new byte[targetSize];
        _what = what;
    }

    public bool IsComplete => _filled == _target.Length;

    public int Filled => _filled;

    public void Apply(DeltaOp op)
    {
        var room = _target.Length - _filled;
        if (op.Length > room)
        {
            throw SyncException.Refused(RefusalKind.Damaged, $"{_what}: manifest patch writes past the manifest's signed size of {_target.Length} bytes");
        }

        if (op.IsCopy)
        {
            if (op.BaseOffset < 0 || op.BaseOffset > _base.Length - op.Length)
            {
                throw SyncException.Refused(RefusalKind.Damaged, $"{_what}: manifest patch copies bytes {op.BaseOffset}+{op.Length} from a base manifest of {_base.Length} bytes");
            }

            _base.Span.Slice((int)op.BaseOffset, op.Length).CopyTo(_target.AsSpan(_filled));
        }
        else
        {
            op.Data.Span.CopyTo(_target.AsSpan(_filled));
        }

        _filled += op.Length;
    }

    /// <summary>The rebuilt manifest, once the ops filled exactly its signed size.</summary>
    public byte[] Result() => IsComplete
        ? _target
        : throw SyncException.Refused(RefusalKind.Damaged, $"{_what}: manifest patch ends at {_filled} of {_target.Length} bytes (truncated)");
}
