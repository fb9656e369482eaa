using System.Buffers;
using System.Buffers.Binary;
using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Core.Streams;

namespace Sync.Core.Apply;

/// <summary>
/// What an interrupted receive leaves behind, kept so a carrier that can talk back (gRPC) resumes without sending
/// anything twice. Contents staged by the cut receive are checked chunk by chunk against the manifest they were
/// received for, then kept whole (complete contents) or as a verified prefix (a file cut halfway). The next
/// receive adopts what its manifest names; a publish clears the store.
/// Layout of the directory: HEX (a complete content), HEX.partial with HEX.chunks (digest and length of each
/// verified chunk of the prefix, 36 bytes each).
/// </summary>
public sealed class ResumeStore
{
    /// <summary>The interrupted receive's manifest, written beside its objects so a killed process can be salvaged.</summary>
    public const string ManifestFileName = "receiving.manifest";

    private const string PartialSuffix = ".partial";
    private const string ChunksSuffix = ".chunks";
    private const int ChunkRecordBytes = Digest.Size + 4;

    private readonly Dictionary<Digest, string> _contents = new();
    private readonly Dictionary<Digest, (string Path, long Offset, int Length)> _chunks = new();

    public ResumeStore(string directory)
    {
        Directory = directory;
        Load();
    }

    public string Directory { get; }

    /// <summary>Complete contents held.</summary>
    public IReadOnlyCollection<Digest> Contents => _contents.Keys;

    /// <summary>Chunks held in the prefixes of contents cut halfway.</summary>
    public IReadOnlyCollection<Digest> Chunks => _chunks.Keys;

    public long Bytes { get; private set; }

    public bool IsEmpty => _contents.Count == 0 && _chunks.Count == 0;

    /// <summary>
    /// Moves what a cut receive staged in <paramref name="objectsDirectory"/> here, keeping only bytes that match
    /// the manifest they were received for. Call before the staging directory is removed.
    /// </summary>
    public async Task SalvageAsync(string objectsDirectory, IWireCodec codec, CancellationToken cancellationToken)
    {
        var manifestPath = Path.Combine(objectsDirectory, ManifestFileName);
        if (!File.Exists(manifestPath))
        {
            return;
        }

        Manifest manifest;
        try
        {
            manifest = codec.ParseManifest(await File.ReadAllBytesAsync(manifestPath, cancellationToken).ConfigureAwait(false), ManifestLimits.Default);
        }
        catch (SyncException)
        {
            return; // written by us, but cut while writing: nothing can be checked against it
        }

        System.IO.Directory.CreateDirectory(Directory);
        foreach (var path in System.IO.Directory.EnumerateFiles(objectsDirectory))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = Path.GetFileName(path);
            if (name.Length != Digest.Size * 2 || !TryParse(name, out var digest) || _contents.ContainsKey(digest) ||
                manifest.FindContent(digest) is not { } entry)
            {
                continue;
            }

            var verified = await VerifiedPrefixAsync(path, entry.Chunks, cancellationToken).ConfigureAwait(false);
            if (verified.Count == entry.Chunks.Count && entry.Chunks.Count > 0)
            {
                var kept = Path.Combine(Directory, name);
                File.Move(path, kept, overwrite: true);
                DeletePartial(name);
                _contents[digest] = kept;
                Bytes += entry.Size;
            }
            else if (verified.Count > 0)
            {
                KeepPrefix(path, name, verified);
            }
        }
    }

    /// <summary>Makes held contents that <paramref name="manifest"/> names staged contents of this receive, and held chunks findable.</summary>
    public void Adopt(Manifest manifest, ContentSources sources)
    {
        System.IO.Directory.CreateDirectory(sources.ObjectsDirectory);
        foreach (var (digest, path) in _contents.ToList())
        {
            if (manifest.FindContent(digest) is { } entry && !sources.Staged.Contains(digest))
            {
                File.Move(path, sources.ObjectPath(digest), overwrite: true);
                _contents.Remove(digest);
                sources.AddStaged(digest, entry.Chunks);
            }
        }

        foreach (var (digest, location) in _chunks)
        {
            sources.AddChunkLocation(digest, location.Path, location.Offset, location.Length);
        }
    }

    /// <summary>Forgets everything held; called once a generation is published.</summary>
    public void Clear()
    {
        Publisher.RemoveTree(Directory);
        _contents.Clear();
        _chunks.Clear();
        Bytes = 0;
    }

    private void KeepPrefix(string path, string name, List<ChunkRef> verified)
    {
        var length = verified.Sum(c => (long)c.Length);
        var kept = Path.Combine(Directory, name + PartialSuffix);
        var existing = _chunks.Count(c => c.Value.Path == kept);
        if (existing >= verified.Count)
        {
            return; // an earlier salvage kept at least as much of this content
        }

        using (var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite))
        {
            RandomAccess.SetLength(handle, length);
        }

        var records = new byte[verified.Count * ChunkRecordBytes];
        for (var i = 0; i < verified.Count; i++)
        {
            verified[i].Digest.WriteTo(records.AsSpan(i * ChunkRecordBytes));
            BinaryPrimitives.WriteInt32LittleEndian(records.AsSpan(i * ChunkRecordBytes + Digest.Size), verified[i].Length);
        }

        // Data first, then the list that vouches for it: a list never names bytes that are not there.
        File.Move(path, kept, overwrite: true);
        Storage.AtomicFile.WriteAllBytes(Path.Combine(Directory, name + ChunksSuffix), records);
        AddPrefix(kept, verified);
    }

    private void AddPrefix(string path, IReadOnlyList<ChunkRef> chunks)
    {
        long offset = 0;
        foreach (var chunk in chunks)
        {
            if (_chunks.TryAdd(chunk.Digest, (path, offset, chunk.Length)))
            {
                Bytes += chunk.Length;
            }

            offset += chunk.Length;
        }
    }

    private void DeletePartial(string name)
    {
        var partial = Path.Combine(Directory, name + PartialSuffix);
        foreach (var key in _chunks.Where(c => c.Value.Path == partial).Select(c => c.Key).ToList())
        {
            Bytes -= _chunks[key].Length;
            _chunks.Remove(key);
        }

        File.Delete(Path.Combine(Directory, name + ChunksSuffix));
        File.Delete(partial);
    }

    private void Load()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return;
        }

        foreach (var path in System.IO.Directory.EnumerateFiles(Directory))
        {
            var name = Path.GetFileName(path);
            if (name.Length == Digest.Size * 2 && TryParse(name, out var digest))
            {
                _contents[digest] = path;
                Bytes += new FileInfo(path).Length;
            }
            else if (name.EndsWith(ChunksSuffix, StringComparison.Ordinal))
            {
                var data = Path.Combine(Directory, name[..^ChunksSuffix.Length] + PartialSuffix);
                var records = File.ReadAllBytes(path);
                if (!File.Exists(data) || records.Length % ChunkRecordBytes != 0)
                {
                    continue;
                }

                var chunks = new List<ChunkRef>();
                for (var offset = 0; offset < records.Length; offset += ChunkRecordBytes)
                {
                    chunks.Add(new ChunkRef(
                        Digest.FromBytes(records.AsSpan(offset, Digest.Size)),
                        BinaryPrimitives.ReadInt32LittleEndian(records.AsSpan(offset + Digest.Size))));
                }

                if (chunks.Sum(c => (long)c.Length) <= new FileInfo(data).Length)
                {
                    AddPrefix(data, chunks);
                }
            }
        }
    }

    private static async Task<List<ChunkRef>> VerifiedPrefixAsync(string path, IReadOnlyList<ChunkRef> chunks, CancellationToken cancellationToken)
    {
        var verified = new List<ChunkRef>();
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var size = RandomAccess.GetLength(handle);
        var buffer = ArrayPool<byte>.Shared.Rent(chunks.Count == 0 ? 1 : chunks.Max(c => c.Length));
        try
        {
            long offset = 0;
            foreach (var chunk in chunks)
            {
                if (offset + chunk.Length > size)
                {
                    break;
                }

                var memory = buffer.AsMemory(0, chunk.Length);
                var read = 0;
                while (read < chunk.Length)
                {
                    var n = await RandomAccess.ReadAsync(handle, memory[read..], offset + read, cancellationToken).ConfigureAwait(false);
                    if (n == 0)
                    {
                        break;
                    }

                    read += n;
                }

                if (read < chunk.Length || Digest.Compute(memory.Span) != chunk.Digest)
                {
                    break; // a sparse hole or torn write: keep only what precedes it
                }

                verified.Add(chunk);
                offset += chunk.Length;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return verified;
    }

    private static bool TryParse(string hex, out Digest digest)
    {
        digest = default;
        Span<byte> bytes = stackalloc byte[Digest.Size];
        if (Convert.FromHexString(hex, bytes, out _, out var written) != System.Buffers.OperationStatus.Done || written != Digest.Size)
        {
            return false;
        }

        digest = Digest.FromBytes(bytes);
        return true;
    }
}
