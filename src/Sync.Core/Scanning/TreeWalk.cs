using System.IO.Enumeration;
using Microsoft.Extensions.Logging;
using Sync.Core.Manifests;
using Sync.Core.Paths;
using Sync.Core.Posix;
using Sync.Core.Storage;

namespace Sync.Core.Scanning;

/// <summary>
/// One walk of a source tree: an entry for every directory, symlink and file, the last scan's entry for each file whose
/// stat fields match it, and the list of files left to read. Each path is built in one buffer and checked, stat'ed and
/// looked up in the cache as a span, so an unchanged file of a mirror costs its name and nothing else; a path becomes a
/// string only for an entry the cache does not hold already.
/// </summary>
internal sealed class TreeWalk
{
    private static readonly EnumerationOptions ListOptions = new()
    {
        AttributesToSkip = 0, IgnoreInaccessible = false, RecurseSubdirectories = false, ReturnSpecialDirectories = false,
    };

    private readonly string _root;
    private readonly ScanCache _previous;
    private readonly SignatureStore _signatures;
    private readonly ScanOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationToken _cancellationToken;

    /// <summary>The root, a slash, and the relative path of the entry being looked at.</summary>
    private char[] _path = new char[512];

    public TreeWalk(string root, ScanCache previous, SignatureStore signatures, ScanOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        _root = Path.TrimEndingDirectorySeparator(root);
        (_previous, _signatures, _options, _logger, _cancellationToken) = (previous, signatures, options, logger, cancellationToken);
        Cache = new ScanCache(previous.Count);
    }

    public List<ManifestEntry> Entries { get; } = [];

    /// <summary>The files the cache could not vouch for, with the stat the walk saw.</summary>
    public List<(string Path, FileStatus Status)> ToHash { get; } = [];

    public List<string> Skipped { get; } = [];

    /// <summary>The cache of this scan: the last one's files that are unchanged (hashed files are added by the caller).</summary>
    public ScanCache Cache { get; }

    public void Run() => WalkDirectory(string.Empty);

    private void WalkDirectory(string relative)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        var directory = relative.Length == 0 ? _root : Path.Combine(_root, relative);
        List<string> names;
        try
        {
            names = [.. new FileSystemEnumerable<string>(directory, static (ref FileSystemEntry entry) => entry.FileName.ToString(), ListOptions)];
        }
        catch (UnauthorizedAccessException e)
        {
            throw SyncException.Usage($"cannot read directory '{directory}': {e.Message}");
        }

        foreach (var name in names)
        {
            var full = Compose(relative, name);
            var path = full[(_root.Length + 1)..];
            if (RelativePath.FindProblem(path) is { } problem)
            {
                throw SyncException.Usage($"source path '{path}' cannot be carried: {problem}");
            }

            if (Posix.Posix.TryLStat(full) is not { } status)
            {
                continue; // removed while we walked: it simply is not part of this generation
            }

            switch (status.Kind)
            {
                case UnixFileKind.Directory:
                    var directoryPath = path.ToString();
                    Entries.Add(ManifestEntry.Directory(directoryPath, status.Mode, status.MtimeNs));
                    WalkDirectory(directoryPath); // reuses the path buffer: nothing below reads full or path again
                    break;
                case UnixFileKind.Symlink:
                    AddSymlink(path.ToString(), full.ToString(), status);
                    break;
                case UnixFileKind.File when IsRepreproLock(relative, name):
                    // A reprepro run's lock is a process's state, not content: carried, it would reach the inside as a lock
                    // nobody holds there (refused as a local change, or waited for). Reprepro is changing the tree now.
                    var lockPath = path.ToString();
                    CoreLog.LockNotCarried(_logger, lockPath);
                    Skipped.Add(lockPath);
                    break;
                case UnixFileKind.File:
                    AddFile(path, status);
                    break;
                default:
                    var specialPath = path.ToString();
                    CoreLog.SkippedSpecialFile(_logger, specialPath);
                    Skipped.Add(specialPath);
                    break;
            }
        }
    }

    private void AddSymlink(string path, string full, FileStatus status)
    {
        var target = new FileInfo(full).LinkTarget ?? string.Empty;
        if (RelativePath.FindLinkTargetProblem(path, target) is { } problem)
        {
            throw SyncException.Refused($"source symlink '{path}' -> '{target}' cannot be carried: {problem}");
        }

        Entries.Add(ManifestEntry.Symlink(path, target, status.MtimeNs));
    }

    private void AddFile(ReadOnlySpan<char> path, FileStatus status)
    {
        var cached = _previous.Find(path);
        if (!_options.VerifyAll && cached is not null && cached.Size == status.Size && cached.MtimeNs == status.MtimeNs &&
            cached.CtimeNs == status.CtimeNs && cached.Inode == status.Inode && cached.Device == status.Device &&
            (!_options.WantsSignature(cached.Entry.Path, status.Size) || _signatures.Contains(cached.Digest)) &&
            (!_options.WantsContentSha256 || cached.ContentSha256 is not null))
        {
            // Size and mtime matched, so the cached entry is this file's unless its mode differs.
            var kept = cached.Entry.Mode == status.Mode ? cached : cached.WithEntry(cached.Entry with { Mode = status.Mode });
            Entries.Add(kept.Entry);
            Cache.Set(kept);
            return;
        }

        var pathString = path.ToString();
        Entries.Add(new ManifestEntry(pathString, EntryKind.File, status.Mode, status.MtimeNs, status.Size, default, [], null));
        ToHash.Add((pathString, status));
    }

    /// <summary>Writes root/relative/name into the path buffer and returns it.</summary>
    private ReadOnlySpan<char> Compose(string relative, string name)
    {
        var length = _root.Length + 1 + relative.Length + (relative.Length > 0 ? 1 : 0) + name.Length;
        if (_path.Length < length)
        {
            _path = new char[Math.Max(length, _path.Length * 2)];
        }

        var span = _path.AsSpan();
        _root.CopyTo(span);
        var at = _root.Length;
        span[at++] = '/';
        if (relative.Length > 0)
        {
            relative.CopyTo(span[at..]);
            at += relative.Length;
            span[at++] = '/';
        }

        name.CopyTo(span[at..]);
        return span[..(at + name.Length)];
    }

    /// <summary>db/lockfile of a reprepro base (a directory holding conf/distributions and db/), as reprepro and the inside's publish lock it.</summary>
    private bool IsRepreproLock(string directory, string name) =>
        name == "lockfile" && Path.GetFileName(directory) == "db" &&
        File.Exists(Path.Combine(_root, Path.GetDirectoryName(directory) ?? string.Empty, "conf", "distributions"));
}
