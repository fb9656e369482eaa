using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Sync.Core.Chunking;
using Sync.Core.Delta;
using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Core.Paths;
using Sync.Core.Posix;
using Sync.Core.Storage;

namespace Sync.Core.Scanning;

/// <summary>
/// Walks a source tree and describes it as manifest entries. Files whose stat fields match the cache are not
/// read; the rest are read once, in bounded pooled buffers, and each byte feeds the chunker, the chunk
/// SHA-256 and (for files that may change in place) the block signature. Files are hashed in parallel.
/// </summary>
public sealed class TreeScanner
{
    private const int MaxRetries = 3;

    private readonly ILogger _logger;

    public TreeScanner(ILogger logger) => _logger = logger;

    /// <param name="previous">The last scan's cache. It becomes this scan's, updated in place and returned as
    /// <see cref="ScanResult.Cache"/>: do not reuse it as the last scan's afterwards.</param>
    public async Task<ScanResult> ScanAsync(
        string root,
        ScanCache previous,
        SignatureStore signatures,
        ScanOptions options,
        OperationProgress progress,
        CancellationToken cancellationToken)
    {
        options.Chunker.Validate();
        var rootStatus = Posix.Posix.TryLStat(root);
        if (rootStatus is not { Kind: UnixFileKind.Directory })
        {
            throw SyncException.Usage($"source '{root}' is not a directory");
        }

        progress.StartPhase("scan");
        // The last scan's cache becomes this one's: what the walk did not find is dropped, what it hashes is replaced.
        var cache = previous;
        cache.BeginScan();
        var walk = new TreeWalker(_logger, root, cache, signatures, options).Walk(cancellationToken);
        cache.ForgetUnseen();
        foreach (var renewed in walk.NewMode)
        {
            cache.Set(renewed);
        }

        var entries = walk.Entries;
        var toHash = walk.ToHash;
        walk.Skipped.Sort(StringComparer.Ordinal);
        entries.Sort((a, b) => RelativePath.Compare(a.Path, b.Path));
        RefuseEscapingLinks(entries);

        progress.StartPhase("hash", toHash.Sum(f => f.Status.Size), toHash.Count);
        var hashed = new ConcurrentDictionary<string, ManifestEntry>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(
            toHash.OrderByDescending(f => f.Status.Size),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Parallelism), CancellationToken = cancellationToken },
            async (file, ct) =>
            {
                var (entry, status, sha256) = await HashStableAsync(root, file.Path, options, signatures, progress, ct).ConfigureAwait(false);
                hashed[file.Path] = entry;
                lock (cache)
                {
                    cache.Set(CachedFile.Create(entry, status.CtimeNs, status.Inode, status.Device, sha256));
                }

                progress.AddItems();
            }).ConfigureAwait(false);

        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i].Kind == EntryKind.File && hashed.TryGetValue(entries[i].Path, out var done))
            {
                entries[i] = done;
            }
        }

        return new ScanResult(entries, cache, toHash.Count, toHash.Sum(f => f.Status.Size), walk.Skipped);
    }

    /// <summary>
    /// Refuses the tree when a symlink, followed through the tree's own entries as a reader's kernel would, leaves
    /// it or loops: a lexical check of each target alone misses chains such as <c>d/x -> ..</c>, <c>d/y -> x/../..</c>.
    /// Runs before any file is read or anything signed, so such a generation is never made.
    /// </summary>
    private static void RefuseEscapingLinks(List<ManifestEntry> entries)
    {
        var refused = LinkResolver.FindRefused(new Manifest(0, DateTimeOffset.UnixEpoch, entries)).ToList();
        if (refused.Count > 0)
        {
            var (link, resolution) = refused[0];
            var more = refused.Count > 1 ? $" (and {refused.Count - 1} more such link(s))" : string.Empty;
            throw SyncException.Refused($"source symlink '{link.Path}' -> '{link.LinkTarget}' cannot be carried: {resolution.Problem(link.Path)}{more}");
        }
    }

    /// <summary>Hashes a file and checks it did not change meanwhile (a writer such as reprepro may be busy).</summary>
    private static async Task<(ManifestEntry, FileStatus, Digest?)> HashStableAsync(
        string root, string path, ScanOptions options, SignatureStore signatures, OperationProgress progress, CancellationToken cancellationToken)
    {
        var full = Path.Combine(root, path);
        for (var attempt = 1; ; attempt++)
        {
            var before = Posix.Posix.LStat(full);
            var wantsSignature = options.WantsSignature(path, before.Size);
            var (digest, chunks, signature, length, sha256) = await HashFileAsync(
                full, before.Size, options.Chunker, wantsSignature, options.WantsContentSha256, progress, cancellationToken).ConfigureAwait(false);
            var after = Posix.Posix.TryLStat(full);
            if (after is { } a && a.Size == length && a.MtimeNs == before.MtimeNs && a.CtimeNs == before.CtimeNs && a.Inode == before.Inode)
            {
                if (signature is not null)
                {
                    signatures.Save(digest, signature);
                }

                return (new ManifestEntry(path, EntryKind.File, a.Mode, a.MtimeNs, a.Size, digest, chunks, null), a, sha256);
            }

            if (attempt >= MaxRetries)
            {
                throw new SyncException(SyncErrorKind.Failure, $"source file '{path}' kept changing while it was read; run again when the writer is done");
            }
        }
    }

    /// <summary>
    /// Reads a file once: content-defined chunks, their digests, the file digest, optionally a block signature, and
    /// optionally the plain SHA-256 of a file of more than one chunk (null for one chunk: its chunk digest is that hash).
    /// </summary>
    public static async Task<(Digest Digest, ChunkRef[] Chunks, BlockSignature? Signature, long Length, Digest? Sha256)> HashFileAsync(
        string path, long expectedSize, ChunkerOptions chunkerOptions, bool wantsSignature, bool wantsSha256, OperationProgress? progress,
        CancellationToken cancellationToken)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.SequentialScan);
        return await HashAsync(
            (memory, offset, token) => RandomAccess.ReadAsync(handle, memory, offset, token),
            expectedSize, chunkerOptions, wantsSignature, wantsSha256, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The digest and chunks of an open file of a tree, as the scanner computes them.</summary>
    public static async Task<(Digest Digest, ChunkRef[] Chunks, long Length)> HashAsync(
        FileSystem.IFileHandle file, long expectedSize, OperationProgress? progress, CancellationToken cancellationToken)
    {
        var (digest, chunks, _, length, _) = await HashAsync(
            file.ReadAsync, expectedSize, ChunkerOptions.Default, wantsSignature: false, wantsSha256: false, progress, cancellationToken).ConfigureAwait(false);
        return (digest, chunks, length);
    }

    private static async Task<(Digest Digest, ChunkRef[] Chunks, BlockSignature? Signature, long Length, Digest? Sha256)> HashAsync(
        Func<Memory<byte>, long, CancellationToken, ValueTask<int>> readAt,
        long expectedSize, ChunkerOptions chunkerOptions, bool wantsSignature, bool wantsSha256, OperationProgress? progress,
        CancellationToken cancellationToken)
    {
        var chunker = new FastCdcChunker(chunkerOptions);
        var largeBuffer = Math.Max(chunkerOptions.MaxSize * 4, 8 << 20);

        // Small files get a buffer their size: renting 8 MiB for each of 100k small files costs more than reading them.
        var bufferSize = expectedSize < largeBuffer ? (int)Math.Max(expectedSize + 1, 4096) : largeBuffer;
        var buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
        bufferSize = buffer.Length;
        var signature = wantsSignature ? new SignatureBuilder(expectedSize) : null;
        using var fileHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        // A file no longer than the smallest chunk is one chunk, whose digest is already its plain SHA-256.
        using var contentHash = wantsSha256 && expectedSize > chunkerOptions.MinSize ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        var chunks = new List<ChunkRef>();
        var chunkDigest = new byte[Digest.Size];
        long length = 0;
        try
        {
            int start = 0, filled = 0;
            var eof = false;
            while (true)
            {
                if (!eof && filled == bufferSize && bufferSize < largeBuffer)
                {
                    // The file grew past what its size promised: switch to a full-size window.
                    var larger = ArrayPool<byte>.Shared.Rent(largeBuffer);
                    Buffer.BlockCopy(buffer, start, larger, 0, filled - start);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                    bufferSize = larger.Length;
                    filled -= start;
                    start = 0;
                }

                if (!eof && filled < bufferSize)
                {
                    var read = await readAt(buffer.AsMemory(filled, bufferSize - filled), length + filled - start, cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        eof = true;
                    }

                    filled += read;
                    if (!eof && filled - start < chunkerOptions.MaxSize)
                    {
                        continue;
                    }
                }

                while (filled - start > 0 && (eof || filled - start >= chunkerOptions.MaxSize))
                {
                    var window = buffer.AsSpan(start, filled - start);
                    var cut = chunker.FindBoundary(window, eof);
                    var chunk = window[..cut];
                    SHA256.HashData(chunk, chunkDigest);
                    fileHash.AppendData(chunkDigest);
                    contentHash?.AppendData(chunk);
                    if (signature is not null && length + cut <= expectedSize)
                    {
                        signature.Append(chunk);
                    }

                    chunks.Add(new ChunkRef(Digest.FromBytes(chunkDigest), cut));
                    start += cut;
                    length += cut;
                    progress?.AddBytes(cut);
                }

                if (eof && filled == start)
                {
                    break;
                }

                // Slide what is left of the window to the front so the next read fills the rest.
                Buffer.BlockCopy(buffer, start, buffer, 0, filled - start);
                filled -= start;
                start = 0;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        var built = signature is not null && length == expectedSize ? signature.Build() : null;
        Digest? sha256 = contentHash is not null && chunks.Count > 1 ? Digest.FromBytes(contentHash.GetHashAndReset()) : null;
        return (Digest.FromBytes(fileHash.GetHashAndReset()), chunks.ToArray(), built, length, sha256);
    }
}
