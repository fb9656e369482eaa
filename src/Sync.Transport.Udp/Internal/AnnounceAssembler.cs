namespace Sync.Transport.Udp.Internal;

/// <summary>
/// Collects the descriptor fragments of one session's announces until all are in. Owned by the receiver's decode
/// loop. A fragment describing a different object (length, hash, cut) restarts the collection.
/// </summary>
internal sealed class AnnounceAssembler
{
    private AnnounceInfo? _info;
    private byte[]?[] _parts = [];
    private int _have;
    private int _descriptorLength;

    /// <summary>Adds a fragment; returns the complete announce (with its descriptor) once every fragment is in.</summary>
    public AnnounceInfo? Add(AnnounceFragment fragment)
    {
        if (_info is null || !_info.SameObject(fragment.Info) || _parts.Length != fragment.Count || _descriptorLength != fragment.DescriptorLength)
        {
            _info = fragment.Info;
            _parts = new byte[fragment.Count][];
            _have = 0;
            _descriptorLength = fragment.DescriptorLength;
        }

        if (_parts[fragment.Index] is null)
        {
            _parts[fragment.Index] = fragment.Bytes;
            _have++;
        }

        if (_have < _parts.Length)
        {
            return null;
        }

        var descriptor = new byte[_descriptorLength];
        int at = 0;
        foreach (byte[]? part in _parts)
        {
            part!.CopyTo(descriptor, at);
            at += part!.Length;
        }

        return at == _descriptorLength ? fragment.Info with { Descriptor = descriptor } : null;
    }
}
