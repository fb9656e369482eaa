using System.Buffers;
using System.Buffers.Binary;
using Sync.Core.FileSystem;
using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Core.Streams;

namespace Sync.Core.Apply;

/// <summary>
/// What an interrupted receive leaves behind, kept so a carrier that can talk back (gRPC) resumes without sending
/// anything twice. Contents staged by the cut receive are checked chunk by chunk against the manifest they were
/// received for, then kept whole (complete contents) or as a verified prefix (a file cut halfway). Nothing kept is
/// trusted later on its name alone: a power cut may leave a name whose bytes never reached the disk, so every
/// content and prefix is checked again, chunk by chunk, when the next receive adopts it. A publish clears the store.
/// Layout of the directory: HEX (a complete content), HEX.partial with HEX.chunks (digest and length of each
/// verified chunk of the prefix, 36 bytes each).
/// </summary>
public sealed class ResumeStore : IDisposable
{
    /// <summary>The interrupted receive's manifest, written beside its objects so a killed process can be salvaged.</summary>
    public const string ManifestFileName = "receiving.manifest";

    private const string PartialSuffix = ".partial";
    private const string ChunksSuffix = ".chunks";
    private const int ChunkRecordBytes = Digest.Size + 4;

    private readonly IFileSystem _fileSystem;
    private readonly Dictionary<Digest, string> _contents = new();
    private readonly Dictionary<string, List<ChunkRef>> _prefixes = new(StringComparer.Ordinal);
    private IDirectoryTree? _tree;

    public ResumeStore(string directory)
        : this(LinuxFileSystem.Instance, directory)
    {
    }

    public ResumeStore(IFileSystem fileSystem, string directory)
    {
        _fileSystem = fileSystem;
        Directory = directory;
        _tree = fileSystem.TryOpenTree(directory);
        Load();
    }

    public string Directory { get; }

    /// <summary>Complete contents held (not yet re-checked).</summary>
    public IReadOnlyCollection<Digest> Contents => _contents.Keys;

    /// <summary>Chunks held in the prefixes of contents cut halfway (not yet re-checked).</summary>
    public IReadOnlyCollection<Digest> Chunks => _prefixes.Values.SelectMany(p => p).Select(c => c.Digest).Distinct().ToList();

    public long Bytes { get; private set; }

    public bool IsEmpty => _contents.Count == 0 && _prefixes.Count == 0;

    /// <summary>
    /// Moves what a cut receive staged in the objects tree here, keeping only bytes that match the manifest they were
    /// received for. Call before the staging directory is removed.
    /// </summary>
    public async Task SalvageAsync(IDirectoryTree objects, IWireCodec codec, CancellationToken cancellationToken)
    {
        if (objects.TryStat(ManifestFileName) is null)
        {
            return;
        }

        Manifest manifest;
        try
        {
            await using var stream = new ManifestFile(objects, ManifestFileName).OpenRead();
            manifest = codec.ParseManifest(stream, ManifestLimits.Default);
        }
        catch (Exception e) when (e is SyncException or IOException)
        {
            return; // written by us, but cut while writing: nothing can be checked against it
        }

        var tree = OpenOrCreate();
        var check = new ChunkPrefixCheck();
        foreach (var name in objects.List(string.Empty))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (name.Length != Digest.Size * 2 || !TryParse(name, out var digest) || _contents.ContainsKey(digest) ||
                manifest.FindContent(digest) is not { } entry || objects.TryStat(name) is not { Kind: Posix.UnixFileKind.File })
            {
                continue;
            }

            var verified = await check.VerifiedPrefixAsync(objects, name, entry.Chunks, cancellationToken).ConfigureAwait(false);
            if (verified.Count == entry.Chunks.Count && entry.Chunks.Count > 0)
            {
                DeletePartial(tree, name);
                objects.Rename(name, tree, name);
                _contents[digest] = name;
                Bytes += entry.Size;
            }
            else if (verified.Count > 0)
            {
                KeepPrefix(objects, tree, name, verified);
            }
        }

        tree.SyncFileSystem();
    }

    /// <summary>
    /// Makes held contents that <paramref name="manifest"/> names staged contents of this receive, and held chunks
    /// findable, once each is checked again against the manifest: what fails the check is dropped.
    /// </summary>
    public async Task AdoptAsync(Manifest manifest, ContentSources sources, CancellationToken cancellationToken)
    {
        if (_tree is null)
        {
            return;
        }

        var check = new ChunkPrefixCheck();
        foreach (var (digest, name) in _contents.ToList())
        {
            if (manifest.FindContent(digest) is not { } entry || sources.Staged.Contains(digest))
            {
                continue;
            }

            _contents.Remove(digest);
            var verified = await check.VerifiedPrefixAsync(_tree, name, entry.Chunks, cancellationToken).ConfigureAwait(false);
            if (verified.Count == entry.Chunks.Count && entry.Chunks.Count > 0 && _tree.TryStat(name)?.Size == entry.Size)
            {
                _tree.Rename(name, sources.Objects, ContentSources.ObjectPath(digest));
                sources.AddStaged(digest, entry.Chunks);
            }
            else
            {
                _tree.DeleteFile(name); // lost in a power cut, or damaged: it will be sent again
            }
        }

        foreach (var (name, chunks) in _prefixes.ToList())
        {
            var verified = await check.VerifiedPrefixAsync(_tree, name + PartialSuffix, chunks, cancellationToken).ConfigureAwait(false);
            if (verified.Count < chunks.Count)
            {
                // The holdings already sent named the lost chunks, so this receive may be refused for lacking them;
                // the next one must not name them again.
                ShrinkPrefix(name, verified);
            }

            long offset = 0;
            foreach (var chunk in verified)
            {
                sources.AddChunkLocation(chunk.Digest, new ChunkLocation(_tree, name + PartialSuffix, offset, chunk.Length));
                offset += chunk.Length;
            }
        }
    }

    /// <summary>Forgets everything held; called once a generation is published.</summary>
    public void Clear()
    {
        _tree?.RemoveTree(string.Empty);
        _contents.Clear();
        _prefixes.Clear();
        Bytes = 0;
    }

    public void Dispose() => _tree?.Dispose();

    private IDirectoryTree OpenOrCreate() => _tree ??= _fileSystem.CreateTree(Directory);

    private void KeepPrefix(IDirectoryTree objects, IDirectoryTree tree, string name, List<ChunkRef> verified)
    {
        if (_prefixes.TryGetValue(name, out var existing) && existing.Count >= verified.Count)
        {
            return; // an earlier salvage kept at least as much of this content
        }

        using (var file = objects.OpenWrite(name))
        {
            file.SetLength(verified.Sum(c => (long)c.Length));
        }

        // Data first, then the list that vouches for it; the adoption checks both again anyway.
        objects.Rename(name, tree, name + PartialSuffix);
        WriteChunkList(tree, name, verified);
        Bytes += verified.Sum(c => (long)c.Length) - (existing?.Sum(c => (long)c.Length) ?? 0);
        _prefixes[name] = verified;
    }

    /// <summary>Cuts a kept prefix back to the chunks that still match (a power cut lost the rest), or drops it.</summary>
    private void ShrinkPrefix(string name, List<ChunkRef> verified)
    {
        var tree = _tree!;
        if (verified.Count == 0)
        {
            DeletePartial(tree, name);
            return;
        }

        // The list first: a list longer than its data is only checked again, data without its list would be lost.
        WriteChunkList(tree, name, verified);
        using (var file = tree.OpenWrite(name + PartialSuffix))
        {
            file.SetLength(verified.Sum(c => (long)c.Length));
        }

        Bytes -= _prefixes[name].Sum(c => (long)c.Length) - verified.Sum(c => (long)c.Length);
        _prefixes[name] = verified;
    }

    private static void WriteChunkList(IDirectoryTree tree, string name, List<ChunkRef> chunks)
    {
        var records = new byte[chunks.Count * ChunkRecordBytes];
        for (var i = 0; i < chunks.Count; i++)
        {
            chunks[i].Digest.WriteTo(records.AsSpan(i * ChunkRecordBytes));
            BinaryPrimitives.WriteInt32LittleEndian(records.AsSpan(i * ChunkRecordBytes + Digest.Size), chunks[i].Length);
        }

        tree.WriteAtomically(name + ChunksSuffix, records);
    }

    private void DeletePartial(IDirectoryTree tree, string name)
    {
        if (_prefixes.Remove(name, out var chunks))
        {
            Bytes -= chunks.Sum(c => (long)c.Length);
        }

        tree.RemoveTree(name + ChunksSuffix);
        tree.RemoveTree(name + PartialSuffix);
    }

    private void Load()
    {
        if (_tree is null)
        {
            return;
        }

        foreach (var name in _tree.List(string.Empty))
        {
            if (name.Length == Digest.Size * 2 && TryParse(name, out var digest) && _tree.TryStat(name) is { Kind: Posix.UnixFileKind.File } status)
            {
                _contents[digest] = name;
                Bytes += status.Size;
            }
            else if (name.EndsWith(ChunksSuffix, StringComparison.Ordinal))
            {
                var content = name[..^ChunksSuffix.Length];
                byte[] records;
                try
                {
                    records = _tree.ReadAllBytes(name, 1 << 24);
                }
                catch (IOException)
                {
                    continue;
                }

                if (_tree.TryStat(content + PartialSuffix) is not { Kind: Posix.UnixFileKind.File } || records.Length % ChunkRecordBytes != 0)
                {
                    continue;
                }

                var chunks = new List<ChunkRef>();
                for (var offset = 0; offset < records.Length; offset += ChunkRecordBytes)
                {
                    var length = BinaryPrimitives.ReadInt32LittleEndian(records.AsSpan(offset + Digest.Size));
                    if (length <= 0 || length > ManifestLimits.Default.MaxChunkLength)
                    {
                        break; // not ours: keep what precedes it
                    }

                    chunks.Add(new ChunkRef(Digest.FromBytes(records.AsSpan(offset, Digest.Size)), length));
                }

                _prefixes[content] = chunks;
                Bytes += chunks.Sum(c => (long)c.Length);
            }
        }
    }

    private static bool TryParse(string hex, out Digest digest)
    {
        digest = default;
        Span<byte> bytes = stackalloc byte[Digest.Size];
        if (Convert.FromHexString(hex, bytes, out _, out var written) != OperationStatus.Done || written != Digest.Size)
        {
            return false;
        }

        digest = Digest.FromBytes(bytes);
        return true;
    }
}
