using Sync.Core.FileSystem;
using Sync.Core.Manifests;

namespace Sync.Core.Apply;

/// <summary>
/// Snapshot mode, step one: builds the new generation as a complete directory under the state's snapshots/, from
/// the published snapshot (hard links to unchanged files) and the staged contents, makes it durable, and names it
/// in the journal. Readers see none of it until <see cref="SnapshotSwitch"/> points the target at it.
/// </summary>
internal static class SnapshotBuilder
{
    /// <summary>Beside each snapshot that links to the pool store: the epoch it uses (so collection needs no manifest).</summary>
    public const string PoolSidecar = ".pool";

    public static async Task<Journal> BuildAsync(
        PublishRequest received, Manifest current, PublishLayout layout, PublishPolicy policy, ReusedContentCheck reused, CancellationToken cancellationToken)
    {
        var name = received.SnapshotName;
        var partial = name + ".partial";
        using var snapshots = layout.OpenSnapshots();
        snapshots.RemoveTree(partial);
        if (snapshots.Exists(name))
        {
            // A snapshot of this name without a journal was never published: rebuild it.
            snapshots.RemoveTree(name);
        }

        // Pool files go to the shared store (new ones only); the snapshot links to it at each shared root.
        var roots = SharedPools.Roots(received.Manifest);
        string? epoch = null;
        if (roots.Count > 0)
        {
            using var store = PoolStore.Open(layout.State);
            epoch = await SnapshotPools.FillAsync(store, roots, received, current, layout.State.Published, policy, reused, cancellationToken).ConfigureAwait(false);
        }

        snapshots.CreateDirectory(partial, 0x1C0);
        using (var tree = snapshots.OpenTree(partial))
        {
            var materializer = new Materializer(received.Sources, tree, policy, reused);
            var count = 0;
            foreach (var entry in received.Manifest.Entries)
            {
                if ((++count & 1023) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    CrashPoints.Hit();
                }

                if (SharedPools.RootOf(entry.Path, roots) is { } root)
                {
                    if (root == entry.Path)
                    {
                        tree.CreateSymlink(entry.Path, SharedPools.LinkTarget(root, epoch!));
                        if (policy.Owner is { } rootOwner)
                        {
                            tree.SetOwner(entry.Path, rootOwner.Uid, rootOwner.Gid);
                        }
                    }

                    continue;
                }

                switch (entry.Kind)
                {
                    case EntryKind.Directory:
                        tree.CreateDirectory(entry.Path, 0x1C0);
                        break;
                    case EntryKind.Symlink:
                        tree.CreateSymlink(entry.Path, entry.LinkTarget!);
                        Materializer.SetMetadata(tree, entry.Path, entry, policy);
                        break;
                    case EntryKind.File:
                        var candidate = current.Find(entry.Path) ?? received.Sources.FindPublished(entry.Digest);
                        await materializer.MakeFileAsync(entry, entry.Path, candidate, cancellationToken).ConfigureAwait(false);
                        break;
                }
            }

            // Deepest first: setting a directory's mode may take away the right to write into it.
            for (var i = received.Manifest.Entries.Count - 1; i >= 0; i--)
            {
                if (received.Manifest.Entries[i] is { Kind: EntryKind.Directory } directory && SharedPools.RootOf(directory.Path, roots) is null)
                {
                    Materializer.SetMetadata(tree, directory.Path, directory, policy);
                }
            }

            if (policy.Owner is { } owner)
            {
                tree.SetOwner(string.Empty, owner.Uid, owner.Gid);
            }

            tree.SetMode(string.Empty, 0x1ED);
            CrashPoints.Hit();
            tree.SyncFileSystem();
        }

        snapshots.Rename(partial, snapshots, name);
        if (epoch is not null)
        {
            snapshots.WriteAtomically(name + PoolSidecar, System.Text.Encoding.ASCII.GetBytes(epoch));
        }

        snapshots.SyncDirectory(string.Empty);
        return new Journal(Journal.CurrentFormat, received.Generation, received.ManifestDigest, received.StreamId,
            PublishMode.Snapshot, layout.Target, name, null, policy, [], received.SignedBy, PoolEpoch: epoch, SharedRoots: epoch is null ? null : roots);
    }
}
