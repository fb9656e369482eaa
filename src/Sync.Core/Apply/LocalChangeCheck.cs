using Sync.Core.FileSystem;
using Sync.Core.Manifests;
using Sync.Core.Posix;

namespace Sync.Core.Apply;

/// <summary>
/// In-place mode, before anything in the target changes: every entry a journal will replace, change or delete must
/// still be what the inside published last (kind, size, mtime and mode for files, and its bytes too when asked to
/// re-hash: a change that keeps size and mtime is otherwise not seen; the
/// link target for symlinks), every name it will create must still be free, and a directory it swaps out must hold
/// nothing the inside did not publish. Whatever else wrote there (an operator, Landscape's own reprepro) is listed,
/// so the publish can refuse rather than silently destroy it.
/// </summary>
internal static class LocalChangeCheck
{
    public static async Task<IReadOnlyList<string>> FindAsync(
        Journal journal, Manifest current, IDirectoryTree target, PublishPolicy policy, bool rehash, CancellationToken cancellationToken)
    {
        var reused = rehash ? ReusedContentCheck.Verify(policy) : ReusedContentCheck.Trust;
        var changed = new List<string>();
        foreach (var op in journal.Ops)
        {
            cancellationToken.ThrowIfCancellationRequested();
            switch (op.Kind)
            {
                case JournalOpKind.MakeDirectory:
                case JournalOpKind.Rename:
                case JournalOpKind.SetMetadata:
                case JournalOpKind.Delete:
                    await CheckAsync(op.Path, current.Find(op.Path), target, policy, reused, changed, cancellationToken).ConfigureAwait(false);
                    break;
                case JournalOpKind.Exchange:
                    var old = current.Find(op.Path);
                    await CheckAsync(op.Path, old, target, policy, reused, changed, cancellationToken).ConfigureAwait(false);
                    if (old is { Kind: EntryKind.Directory } && target.TryStat(op.Path) is { Kind: UnixFileKind.Directory })
                    {
                        await CheckSubtreeAsync(op.Path, current, target, policy, reused, changed, cancellationToken).ConfigureAwait(false);
                    }

                    break;
            }
        }

        return changed;
    }

    private static async Task CheckAsync(
        string path, ManifestEntry? published, IDirectoryTree target, PublishPolicy policy, ReusedContentCheck reused, List<string> changed, CancellationToken cancellationToken)
    {
        var now = target.TryStat(path);
        var same = (published, now) switch
        {
            (null, null) => true,
            (null, _) or (_, null) => false,
            ({ Kind: EntryKind.Directory }, { Kind: UnixFileKind.Directory }) => true,
            ({ Kind: EntryKind.Symlink }, { Kind: UnixFileKind.Symlink }) => target.ReadLink(path) == published.LinkTarget,
            ({ Kind: EntryKind.File }, { Kind: UnixFileKind.File } file) =>
                file.Size == published.Size && file.MtimeNs == published.MtimeNs && file.Mode == policy.Mode(published.Mode) &&
                await reused.IsIntactAsync(target, published, cancellationToken).ConfigureAwait(false),
            _ => false,
        };

        if (!same)
        {
            changed.Add(Describe(path, published, now));
        }
    }

    /// <summary>A directory that is swapped out whole: nothing in it may differ, and nothing may have been added.</summary>
    private static async Task CheckSubtreeAsync(
        string root, Manifest current, IDirectoryTree target, PublishPolicy policy, ReusedContentCheck reused, List<string> changed, CancellationToken cancellationToken)
    {
        foreach (var name in target.List(root))
        {
            var path = TreePath.Combine(root, name);
            var published = current.Find(path);
            await CheckAsync(path, published, target, policy, reused, changed, cancellationToken).ConfigureAwait(false);
            if (published is { Kind: EntryKind.Directory } && target.TryStat(path) is { Kind: UnixFileKind.Directory })
            {
                await CheckSubtreeAsync(path, current, target, policy, reused, changed, cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var entry in current.Entries.Where(e => e.Path.StartsWith(root + "/", StringComparison.Ordinal) && e.Path.IndexOf('/', root.Length + 1) < 0))
        {
            if (target.TryStat(entry.Path) is null)
            {
                changed.Add($"{entry.Path} (removed)");
            }
        }
    }

    private static string Describe(string path, ManifestEntry? published, FileStatus? now) => (published, now) switch
    {
        (null, _) => $"{path} (created here)",
        (_, null) => $"{path} (removed)",
        ({ Kind: EntryKind.File }, { Kind: UnixFileKind.File }) => $"{path} (changed)",
        _ => $"{path} (a {Kind(now!.Value.Kind)} where a {published.Kind.ToString().ToLowerInvariant()} was published)",
    };

    private static string Kind(UnixFileKind kind) => kind switch
    {
        UnixFileKind.File => "file",
        UnixFileKind.Directory => "directory",
        UnixFileKind.Symlink => "symlink",
        _ => "special file",
    };
}
