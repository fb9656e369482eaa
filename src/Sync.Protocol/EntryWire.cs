using Google.Protobuf;
using Sync.Core;
using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Protocol.Internal;

namespace Sync.Protocol;

/// <summary>One manifest entry to and from its wire message, checking on the way in everything the wire could get wrong.</summary>
internal static class EntryWire
{
    public static V1.Entry ToWire(ManifestEntry entry)
    {
        if (entry.Mode is < 0 or > 0xFFF)
        {
            throw new ArgumentException($"manifest entry '{entry.Path}' has mode {entry.Mode:x}, not permission bits", nameof(entry));
        }

        var wire = new V1.Entry
        {
            Path = entry.Path,
            Kind = entry.Kind switch
            {
                EntryKind.File => V1.EntryKind.File,
                EntryKind.Directory => V1.EntryKind.Directory,
                EntryKind.Symlink => V1.EntryKind.Symlink,
                _ => throw new ArgumentException($"manifest entry '{entry.Path}' has unknown kind {entry.Kind}", nameof(entry)),
            },
            Mode = (uint)entry.Mode,
            MtimeNs = entry.MtimeNs,
            Size = ProtobufWireCodec.NonNegative(entry.Size, "file size"),
            Digest = WireDigest.ToByteString(entry.Digest),
            LinkTarget = entry.LinkTarget ?? string.Empty,
        };

        var chunks = entry.Chunks;
        if (chunks.Count > 0)
        {
            // One array holds every chunk digest of the entry; each ChunkRef wraps a slice of it.
            var digests = new byte[chunks.Count * Digest.Size];
            for (var i = 0; i < chunks.Count; i++)
            {
                var chunk = chunks[i];
                var slot = digests.AsMemory(i * Digest.Size, Digest.Size);
                chunk.Digest.WriteTo(slot.Span);
                wire.Chunks.Add(new V1.ChunkRef
                {
                    Digest = UnsafeByteOperations.UnsafeWrap(slot),
                    Length = (uint)ProtobufWireCodec.Positive(chunk.Length, "chunk length"),
                });
            }
        }

        return wire;
    }

    public static ManifestEntry FromWire(V1.Entry wire, ManifestLimits limits, EntrySharer? sharer)
    {
        var held = sharer?.Find(wire.Path);
        var path = held?.Path ?? wire.Path;
        var kind = wire.Kind switch
        {
            V1.EntryKind.File => EntryKind.File,
            V1.EntryKind.Directory => EntryKind.Directory,
            V1.EntryKind.Symlink => EntryKind.Symlink,
            _ => throw SyncException.Refused($"manifest entry '{ProtobufWireCodec.Printable(path)}' has unknown kind {(int)wire.Kind}"),
        };

        if (wire.Mode > 0xFFF)
        {
            throw SyncException.Refused($"manifest entry '{ProtobufWireCodec.Printable(path)}' has mode {wire.Mode:x}, not permission bits");
        }

        if (wire.Size > (ulong)limits.MaxFileSize)
        {
            throw SyncException.Refused($"manifest entry '{ProtobufWireCodec.Printable(path)}' has an absurd size {wire.Size} (limit {limits.MaxFileSize})");
        }

        if (!WireDigest.TryRead(wire.Digest.Span, out var digest))
        {
            throw SyncException.Refused($"manifest entry '{ProtobufWireCodec.Printable(path)}' has a digest of {wire.Digest.Length} bytes, not {Digest.Size}");
        }
        if (kind == EntryKind.File)
        {
            if (digest.IsEmpty)
            {
                throw SyncException.Refused($"manifest file '{ProtobufWireCodec.Printable(path)}' has no digest");
            }

            if (wire.LinkTarget.Length != 0)
            {
                throw SyncException.Refused($"manifest file '{ProtobufWireCodec.Printable(path)}' has a link target");
            }
        }
        else if (wire.Size != 0 || !digest.IsEmpty || wire.Chunks.Count != 0)
        {
            throw SyncException.Refused($"manifest {(kind == EntryKind.Directory ? "directory" : "symlink")} '{ProtobufWireCodec.Printable(path)}' carries file size, digest or chunks");
        }
        else if (kind == EntryKind.Directory && wire.LinkTarget.Length != 0)
        {
            throw SyncException.Refused($"manifest directory '{ProtobufWireCodec.Printable(path)}' has a link target");
        }

        ChunkRef[] chunks;
        if (wire.Chunks.Count == 0)
        {
            chunks = [];
        }
        else
        {
            chunks = new ChunkRef[wire.Chunks.Count];
            for (var i = 0; i < chunks.Length; i++)
            {
                var chunk = wire.Chunks[i];
                if (chunk.Length == 0 || chunk.Length > (uint)limits.MaxChunkLength)
                {
                    throw SyncException.Refused($"manifest file '{ProtobufWireCodec.Printable(path)}' has a chunk of absurd length {chunk.Length} (limit {limits.MaxChunkLength})");
                }

                if (chunk.Digest.Length != Digest.Size)
                {
                    throw SyncException.Refused($"manifest file '{ProtobufWireCodec.Printable(path)}' has a chunk digest of {chunk.Digest.Length} bytes, not {Digest.Size}");
                }

                chunks[i] = new ChunkRef(Digest.FromBytes(chunk.Digest.Span), (int)chunk.Length);
            }
        }

        return EntrySharer.Reuse(held, new ManifestEntry(
            path,
            kind,
            (int)wire.Mode,
            wire.MtimeNs,
            (long)wire.Size,
            digest,
            chunks,
            kind == EntryKind.Symlink ? wire.LinkTarget : null));
    }
}
