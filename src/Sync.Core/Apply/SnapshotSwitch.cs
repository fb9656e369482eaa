using Sync.Core.FileSystem;

namespace Sync.Core.Apply;

/// <summary>
/// Snapshot mode, step two: points the target symlink at a snapshot in one rename(), so every reader sees the old
/// generation or the new one. Idempotent: a replay after a crash switches again to the same snapshot.
/// </summary>
internal static class SnapshotSwitch
{
    public static void Switch(IDirectoryTree targetParent, string targetName, string snapshotPath, PublishOwner? owner)
    {
        var temp = targetName + ".sync-switch";
        targetParent.RemoveTree(temp);
        targetParent.CreateSymlink(temp, snapshotPath);
        if (owner is not null)
        {
            targetParent.SetOwner(temp, owner.Uid, owner.Gid);
        }

        CrashPoints.Hit();
        targetParent.Rename(temp, targetParent, targetName);
        targetParent.SyncDirectory(string.Empty);
    }
}
