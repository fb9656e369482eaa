using System.Globalization;
using Sync.Core.FileSystem;
using Sync.Core.Manifests;
using Sync.Core.Posix;

namespace Sync.Core.Apply;

/// <summary>
/// Reprepro's lock, honoured and taken: every reprepro base in the tree (a directory with conf/distributions and
/// db/) is locked by creating db/lockfile exclusively, as reprepro itself does. An in-place publish waits (bounded)
/// while reprepro holds one, then holds them all while it writes, so Landscape's own reprepro never runs in the
/// middle of it. A lock file this agent left behind when it died (it names a process that is gone) is removed.
/// </summary>
public sealed class RepreproLocks : IDisposable
{
    private const string Owner = "sync-inside";
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    private readonly IDirectoryTree _target;
    private readonly List<Held> _held = [];

    private RepreproLocks(IDirectoryTree target) => _target = target;

    /// <summary>The lock files of the reprepro bases a manifest holds ("" is the tree itself).</summary>
    public static IReadOnlyList<string> LockFiles(Manifest manifest) =>
        manifest.Entries
            .Where(e => e.Kind == EntryKind.File && (e.Path == "conf/distributions" || e.Path.EndsWith("/conf/distributions", StringComparison.Ordinal)))
            .Select(e => e.Path[..^"conf/distributions".Length])
            .Where(b => manifest.Find(b + "db") is { Kind: EntryKind.Directory })
            .Select(b => b + "db/lockfile")
            .ToList();

    public static Task<RepreproLocks> AcquireAsync(
        IDirectoryTree target, Manifest manifest, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken) =>
        AcquireAsync(target, LockFiles(manifest), timeout, time, cancellationToken);

    public static async Task<RepreproLocks> AcquireAsync(
        IDirectoryTree target, IEnumerable<string> lockFiles, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var locks = new RepreproLocks(target);
        try
        {
            foreach (var path in lockFiles)
            {
                await locks.TakeAsync(path, timeout, time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            locks.Dispose();
            throw;
        }

        return locks;
    }

    /// <summary>
    /// Removes the lock files, and puts back the db/ directory's mtime that creating one moved, unless the publish set it
    /// since (to its generation's), so taking the lock leaves no trace in the tree.
    /// </summary>
    /// <summary>Removes the lock files (and their halves written aside) this agent left when it died after publishing.</summary>
    public static void ClearStale(IDirectoryTree target, IEnumerable<string> lockFiles)
    {
        var locks = new RepreproLocks(target);
        foreach (var path in lockFiles)
        {
            var (directory, _) = TreePath.Split(path);
            if (target.TryStat(directory) is not { Kind: UnixFileKind.Directory })
            {
                continue;
            }

            foreach (var name in target.List(directory).Where(n => n.StartsWith(".lockfile." + Owner + ".", StringComparison.Ordinal)))
            {
                target.RemoveTree(TreePath.Combine(directory, name));
            }

            if (target.TryStat(path) is not null && locks.IsOurStaleLock(path))
            {
                target.DeleteFile(path);
            }
        }
    }

    public void Dispose()
    {
        foreach (var held in _held)
        {
            try
            {
                var (directory, _) = TreePath.Split(held.Path);
                var before = _target.TryStat(directory)?.MtimeNs;
                if (_target.TryStat(held.Path) is not null)
                {
                    _target.DeleteFile(held.Path);
                }

                _target.SetMtime(directory, before == held.DirectoryMtimeAfter ? held.DirectoryMtimeBefore : before ?? held.DirectoryMtimeBefore);
            }
            catch (IOException)
            {
                // Left behind: the next apply recognises it as ours and removes it.
            }
        }

        _held.Clear();
    }

    private async Task TakeAsync(string path, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var (directory, _) = TreePath.Split(path);
        if (_target.TryStat(directory) is not { Kind: UnixFileKind.Directory } before)
        {
            return; // a new base: nothing can be running in it yet
        }

        // What a killed or cut lock attempt of this agent left aside (only one applier runs per state, so none is live).
        foreach (var name in _target.List(directory).Where(n => n.StartsWith(".lockfile." + Owner + ".", StringComparison.Ordinal)))
        {
            _target.RemoveTree(TreePath.Combine(directory, name));
        }

        var started = time.GetTimestamp();
        while (true)
        {
            // Written aside and made durable, then linked in: link() fails when the name exists, as O_EXCL does, and a lock
            // file that names this agent never lacks its content after a power cut (an empty one is reprepro's).
            var temp = TreePath.Combine(directory, string.Create(CultureInfo.InvariantCulture, $".lockfile.{Owner}.{Environment.ProcessId}"));
            _target.RemoveTree(temp);
            using (var file = _target.CreateFile(temp, 0x1A4))
            {
                file.Write(System.Text.Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Owner} {Environment.ProcessId}\n")), 0);
                file.Sync();
            }

            try
            {
                _target.Link(temp, _target, path);
                _target.DeleteFile(temp);
                _held.Add(new Held(path, before.MtimeNs, _target.TryStat(directory)!.Value.MtimeNs));
                return;
            }
            catch (IOException) when (_target.TryStat(path) is not null)
            {
                if (IsOurStaleLock(path))
                {
                    _target.DeleteFile(path);
                    continue;
                }
            }
            finally
            {
                _target.RemoveTree(temp);
            }

            if (time.GetElapsedTime(started) >= timeout)
            {
                throw SyncException.Busy(
                    $"reprepro holds '{Path.Join(_target.Root, path)}' (waited {timeout.TotalSeconds:F0} s); nothing was written; try again when it is done, or raise --lock-timeout");
            }

            await Task.Delay(Poll, time, cancellationToken).ConfigureAwait(false);
        }
    }

    private sealed record Held(string Path, long DirectoryMtimeBefore, long DirectoryMtimeAfter);

    private bool IsOurStaleLock(string path)
    {
        try
        {
            var text = System.Text.Encoding.ASCII.GetString(_target.ReadAllBytes(path, 256)).Trim();
            return text.StartsWith(Owner + " ", StringComparison.Ordinal) &&
                int.TryParse(text.AsSpan(Owner.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) &&
                (pid == Environment.ProcessId || !Directory.Exists($"/proc/{pid}")); // ours: this process holds none it did not list

        }
        catch (IOException)
        {
            return false;
        }
    }
}
