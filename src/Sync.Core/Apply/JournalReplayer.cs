using Sync.Core.FileSystem;
using Sync.Core.Posix;

namespace Sync.Core.Apply;

/// <summary>
/// In-place mode, step two: carries out a journal's steps on the target. Every step is idempotent (a rename whose
/// staged name is gone has happened; an exchange is done when the target path holds the staged inode; a removal of
/// something not there is done), so after a crash the whole list is replayed from the start. Every step acts through
/// the target and staging trees, so none can resolve through a symlink or leave them.
/// </summary>
internal static class JournalReplayer
{
    public static void Replay(Journal journal, IDirectoryTree target, IDirectoryTree? staging)
    {
        foreach (var op in journal.Ops)
        {
            Replay(op, target, staging, journal.Policy.Owner);
            CrashPoints.Hit();
        }

        target.SyncFileSystem();
    }

    private static void Replay(JournalOp op, IDirectoryTree target, IDirectoryTree? staging, PublishOwner? owner)
    {
        var now = target.TryStat(op.Path);
        switch (op.Kind)
        {
            case JournalOpKind.MakeDirectory:
                if (now is null)
                {
                    target.CreateDirectory(op.Path, op.Mode);
                }
                else if (now.Value.Kind != UnixFileKind.Directory)
                {
                    throw Changed(target, op.Path, "a directory was to be created where something else now is");
                }

                break;
            case JournalOpKind.Rename:
                if (staging?.TryStat(op.Staged!) is null)
                {
                    break; // moved already
                }

                if (now is { Kind: UnixFileKind.Directory })
                {
                    throw Changed(target, op.Path, "a file was to replace it, but it is a directory");
                }

                staging.Rename(op.Staged!, target, op.Path);
                break;
            case JournalOpKind.SetMetadata:
                if (now is not { } status)
                {
                    break;
                }

                if (status.Kind == UnixFileKind.File)
                {
                    if (status.LinkCount > 1)
                    {
                        throw Changed(target, op.Path, "its inode is shared with another path, so its metadata cannot change in place");
                    }

                    target.SetMode(op.Path, op.Mode);
                }

                target.SetMtime(op.Path, op.MtimeNs);
                break;
            case JournalOpKind.Exchange:
                if (now is { } current && current.Inode == op.Marker)
                {
                    break; // swapped in already
                }

                if (staging?.TryStat(op.Staged!) is null)
                {
                    throw new SyncException(SyncErrorKind.Failure, $"journal step: staged '{op.Staged}' for '{op.Path}' is gone and was not swapped in; restore the state directory");
                }

                if (now is null)
                {
                    staging.Rename(op.Staged!, target, op.Path);
                }
                else
                {
                    staging.Exchange(op.Staged!, target, op.Path);
                }

                break;
            case JournalOpKind.Delete:
                if (now is { Kind: not UnixFileKind.Directory })
                {
                    target.DeleteFile(op.Path);
                }

                break;
            case JournalOpKind.RemoveDirectory:
                if (now is { Kind: UnixFileKind.Directory } && target.List(op.Path).Count == 0)
                {
                    target.DeleteDirectory(op.Path);
                }

                break;
            case JournalOpKind.RemoveSwappedOut:
                if (staging?.TryStat(op.Staged!) is { } swapped && swapped.Inode != op.Marker)
                {
                    staging.RemoveTree(op.Staged!);
                }

                break;
            case JournalOpKind.SetDirectoryMetadata:
                if (now is { Kind: UnixFileKind.Directory })
                {
                    if (owner is not null && (now.Value.Uid != owner.Uid || now.Value.Gid != owner.Gid))
                    {
                        target.SetOwner(op.Path, owner.Uid, owner.Gid);
                    }

                    target.SetMode(op.Path, op.Mode);
                    target.SetMtime(op.Path, op.MtimeNs);
                }

                break;
            default:
                throw new SyncException(SyncErrorKind.Failure, $"journal holds an unknown step '{op.Kind}'");
        }
    }

    private static SyncException Changed(IDirectoryTree target, string path, string what) =>
        new(SyncErrorKind.Failure, $"'{Path.Join(target.Root, path)}' was changed by something else during the publish: {what}; run 'sync-inside verify'");
}
