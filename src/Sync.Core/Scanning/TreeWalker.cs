using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Core.Paths;
using Sync.Core.Posix;
using Sync.Core.Storage;

namespace Sync.Core.Scanning;

/// <summary>
/// The scan's walk: every directory of the tree listed and every name in it stat'ed, on several threads. An unchanged
/// rescan of a mirror is this walk (a million stat calls and half a million directories opened), bound by system calls
/// that several threads can make at once: it goes breadth first until there are directories enough to share, then
/// each thread walks whole subtrees depth first. Entries come out in no particular order; the scanner sorts them.
/// </summary>
internal sealed class TreeWalker(ILogger logger, string root, ScanCache previous, SignatureStore signatures, ScanOptions options)
{
    /// <summary>Subtrees per thread before the threads start: enough that one large subtree does not leave a thread idle.</summary>
    private const int SubtreesPerThread = 16;

    /// <summary>Entries a thread gathers before it adds them to the walk's lists.</summary>
    private const int BatchEntries = 4096;

    private readonly Lock _gate = new();
    private readonly WalkResult _found = new();

    /// <summary>Walks the tree once, marking in <c>previous</c> each file it finds (see <see cref="ScanCache.BeginScan"/>).</summary>
    public WalkResult Walk(CancellationToken cancellationToken)
    {
        var parallelism = Math.Max(1, options.Parallelism);
        var batch = new WalkResult();
        var frontier = new List<string> { string.Empty };
        while (frontier.Count > 0 && (parallelism == 1 || frontier.Count < parallelism * SubtreesPerThread))
        {
            var next = new List<string>();
            foreach (var directory in frontier)
            {
                Visit(directory, batch, next, cancellationToken);
            }

            frontier = next;
            if (parallelism == 1)
            {
                // One thread walks depth first too: the frontier then holds one directory's subdirectories, not a level's.
                WalkSubtrees(frontier, batch, cancellationToken);
            }
        }

        Gather(batch);
        if (frontier.Count > 0)
        {
            WalkInParallel(frontier, parallelism, cancellationToken);
        }

        return _found;
    }

    private void WalkInParallel(List<string> subtrees, int parallelism, CancellationToken cancellationToken)
    {
        try
        {
            Parallel.ForEach(
                Partitioner.Create(subtrees, EnumerablePartitionerOptions.NoBuffering),
                new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
                () => new WalkResult(),
                (directory, _, batch) =>
                {
                    WalkSubtrees([directory], batch, cancellationToken);
                    return batch;
                },
                Gather);
        }
        catch (AggregateException e)
        {
            // One problem, as a single thread would throw it (a refusal or usage error when a thread met one), not the aggregate.
            ExceptionDispatchInfo.Capture(e.InnerExceptions.FirstOrDefault(x => x is SyncException) ?? e.InnerExceptions[0]).Throw();
        }
    }

    /// <summary>Walks each directory's subtree depth first, using <paramref name="stack"/> as the stack of directories to visit.</summary>
    private void WalkSubtrees(List<string> stack, WalkResult batch, CancellationToken cancellationToken)
    {
        while (stack.Count > 0)
        {
            var directory = stack[^1];
            stack.RemoveAt(stack.Count - 1);
            Visit(directory, batch, stack, cancellationToken);
            if (batch.Entries.Count >= BatchEntries)
            {
                Gather(batch);
            }
        }
    }

    /// <summary>
    /// Moves a thread's batch to the walk's lists, a few thousand entries at a time: one list of a mirror's million
    /// entries, grown as a single thread would grow it, not one per thread copied into another at the end.
    /// </summary>
    private void Gather(WalkResult batch)
    {
        lock (_gate)
        {
            _found.Entries.AddRange(batch.Entries);
            _found.ToHash.AddRange(batch.ToHash);
            _found.Skipped.AddRange(batch.Skipped);
            _found.NewMode.AddRange(batch.NewMode);
        }

        batch.Entries.Clear();
        batch.ToHash.Clear();
        batch.Skipped.Clear();
        batch.NewMode.Clear();
    }

    /// <summary>Lists one directory and describes each name in it; its subdirectories are added to <paramref name="subdirectories"/>.</summary>
    private void Visit(string relative, WalkResult batch, List<string> subdirectories, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var directory = relative.Length == 0 ? root : Path.Combine(root, relative);
        List<string> names;
        try
        {
            names = Directory.EnumerateFileSystemEntries(directory).Select(Path.GetFileName).OfType<string>().ToList();
        }
        catch (UnauthorizedAccessException e)
        {
            throw SyncException.Usage($"cannot read directory '{directory}': {e.Message}");
        }
        catch (DirectoryNotFoundException)
        {
            return; // removed while we walked, as a file that vanishes between listing and stat
        }

        foreach (var name in names)
        {
            var path = relative.Length == 0 ? name : relative + "/" + name;
            var problem = RelativePath.FindProblem(path);
            if (problem is not null)
            {
                throw SyncException.Usage($"source path '{path}' cannot be carried: {problem}");
            }

            var full = Path.Combine(root, path);
            if (Posix.Posix.TryLStat(full) is { } status)
            {
                Describe(path, full, relative, name, status, batch, subdirectories);
            }

            // else: removed while we walked; it simply is not part of this generation
        }
    }

    private void Describe(string path, string full, string relative, string name, FileStatus s, WalkResult batch, List<string> subdirectories)
    {
        switch (s.Kind)
        {
            case UnixFileKind.Directory:
                batch.Entries.Add(ManifestEntry.Directory(path, s.Mode, s.MtimeNs));
                subdirectories.Add(path);
                break;
            case UnixFileKind.Symlink:
                var target = new FileInfo(full).LinkTarget ?? string.Empty;
                var linkProblem = RelativePath.FindLinkTargetProblem(path, target);
                if (linkProblem is not null)
                {
                    throw SyncException.Refused($"source symlink '{path}' -> '{target}' cannot be carried: {linkProblem}");
                }

                batch.Entries.Add(ManifestEntry.Symlink(path, target, s.MtimeNs));
                break;
            case UnixFileKind.File when IsRepreproLock(relative, name):
                // A reprepro run's lock is a process's state, not content: carried, it would reach the inside as a lock
                // nobody holds there (refused as a local change, or waited for). Reprepro is changing the tree now.
                CoreLog.LockNotCarried(logger, path);
                batch.Skipped.Add(path);
                break;
            case UnixFileKind.File:
                var cached = previous.Find(path);
                if (cached is not null)
                {
                    previous.MarkSeen(cached);
                }

                if (!options.VerifyAll && cached is not null && cached.Size == s.Size && cached.MtimeNs == s.MtimeNs &&
                    cached.CtimeNs == s.CtimeNs && cached.Inode == s.Inode && cached.Device == s.Device &&
                    (!options.WantsSignature(path, s.Size) || signatures.Contains(cached.Digest)) &&
                    (!options.WantsContentSha256 || cached.ContentSha256 is not null))
                {
                    // Size and mtime matched, so the cached entry is this file's unless its mode differs.
                    if (cached.Entry.Mode == s.Mode)
                    {
                        batch.Entries.Add(cached.Entry);
                    }
                    else
                    {
                        var renewed = cached.WithEntry(cached.Entry with { Mode = s.Mode });
                        batch.Entries.Add(renewed.Entry);
                        batch.NewMode.Add(renewed);
                    }
                }
                else
                {
                    batch.Entries.Add(new ManifestEntry(path, EntryKind.File, s.Mode, s.MtimeNs, s.Size, Digest.Empty, [], null));
                    batch.ToHash.Add((path, s));
                }

                break;
            default:
                CoreLog.SkippedSpecialFile(logger, path);
                batch.Skipped.Add(path);
                break;
        }
    }

    /// <summary>db/lockfile of a reprepro base (a directory holding conf/distributions and db/), as reprepro and the inside's publish lock it.</summary>
    private bool IsRepreproLock(string directory, string name) =>
        name == "lockfile" && Path.GetFileName(directory) == "db" &&
        File.Exists(Path.Combine(root, Path.GetDirectoryName(directory) ?? string.Empty, "conf", "distributions"));
}

/// <summary>What a walk, or one thread's batch of it, found.</summary>
internal sealed class WalkResult
{
    public List<ManifestEntry> Entries { get; } = [];

    /// <summary>Files the cache cannot vouch for: new, changed, or lacking what this scan needs of them.</summary>
    public List<(string Path, FileStatus Status)> ToHash { get; } = [];

    public List<string> Skipped { get; } = [];

    /// <summary>Unchanged files whose mode changed: their cached entries renewed with the new mode.</summary>
    public List<CachedFile> NewMode { get; } = [];
}
