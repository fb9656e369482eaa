using Sync.Core.FileSystem;
using Sync.Core.Manifests;
using Sync.Core.Posix;

namespace Sync.Core.Apply;

/// <summary>
/// Snapshot mode's part of a publish that concerns the shared roots: puts a new generation's new pool files into the
/// store's current epoch (or a new epoch, when a pool file would change in place), and after the publish logs what it
/// removed and collects what no kept snapshot needs. Unchanged pool files cost nothing: no system call at all.
/// </summary>
internal static class SnapshotPools
{
    /// <summary>Fills the store for the new generation; returns the epoch its snapshot links to.</summary>
    public static async Task<string> FillAsync(
        PoolStore store, IReadOnlyList<string> roots, PublishRequest received, Manifest current, PublishedRecord published,
        PublishPolicy policy, ReusedContentCheck reused, CancellationToken cancellationToken)
    {
        store.TakeBackAdditions(current);
        var next = received.Manifest;
        var onStore = current.Generation == 0 || published.PoolEpoch == store.Epoch;
        var additions = new List<ManifestEntry>();
        var newEpoch = !onStore;
        foreach (var entry in next.Files)
        {
            if (newEpoch)
            {
                break;
            }

            if (SharedPools.RootOf(entry.Path, roots) is null)
            {
                continue;
            }

            var old = current.Find(entry.Path);
            if (old is not null && old.SameFileAs(entry) && !reused.Verifies)
            {
                continue; // unchanged: the store has it
            }

            var held = store.Tree.TryStat(entry.Path);
            if (held is null)
            {
                additions.Add(entry);
            }
            else if (held is { Kind: UnixFileKind.File } file && file.Size == entry.Size && file.MtimeNs == entry.MtimeNs && file.Mode == policy.Mode(entry.Mode) &&
                await reused.IsIntactAsync(store.Tree, entry, cancellationToken).ConfigureAwait(false))
            {
                // Already there: added by a publish that was cut, or named again after a removal not yet collected.
            }
            else
            {
                newEpoch = true; // another version of this path is in the store, and a kept snapshot may name it
            }
        }

        if (newEpoch)
        {
            store.StartEpoch();
            additions = next.Files.Where(f => SharedPools.RootOf(f.Path, roots) is not null).ToList();
        }

        store.RecordAdditions(additions.Select(a => a.Path).ToList());
        var materializer = new Materializer(received.Sources, store.Tree, policy, reused);
        foreach (var entry in additions)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (parent, _) = TreePath.Split(entry.Path);
            store.Tree.CreateDirectories(parent);
            store.Tree.RemoveTree(entry.Path);
            var candidate = current.Find(entry.Path) ?? received.Sources.FindPublished(entry.Digest);
            await materializer.MakeFileAsync(entry, entry.Path, candidate, cancellationToken).ConfigureAwait(false);
        }

        foreach (var directory in next.Entries.Where(e => e.Kind == EntryKind.Directory && SharedPools.RootOf(e.Path, roots) is not null).Reverse())
        {
            if (!newEpoch && current.Find(directory.Path) is { Kind: EntryKind.Directory } old && old.Mode == directory.Mode && old.MtimeNs == directory.MtimeNs &&
                store.Tree.TryStat(directory.Path) is { Kind: UnixFileKind.Directory })
            {
                continue;
            }

            store.Tree.CreateDirectories(directory.Path);
            Materializer.SetMetadata(store.Tree, directory.Path, directory, policy);
        }

        return store.Epoch;
    }

    /// <summary>After the publish: what the new generation no longer names is logged for collection, and collected.</summary>
    public static int Collect(PoolStore store, IReadOnlyList<string> roots, Manifest previous, Manifest published, bool sameEpoch, long oldestKept, IReadOnlyCollection<string> epochsInUse)
    {
        store.ClearAdditions();
        if (sameEpoch)
        {
            var removed = previous.Entries.Where(e => SharedPools.RootOf(e.Path, roots) is not null && published.Find(e.Path) is null).Select(e => e.Path);
            store.LogRemovals(removed, published.Generation);
        }

        return store.Collect(oldestKept, published, epochsInUse);
    }
}
