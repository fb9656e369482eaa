using System.Globalization;
using System.Text.Json;
using Sync.Core.FileSystem;
using Sync.Core.Manifests;
using Sync.Core.Posix;

namespace Sync.Core.Apply;

/// <summary>
/// The store snapshot mode keeps the shared roots (<see cref="SharedPools"/>) in: STATE/pools/EPOCH/ROOT/..., one copy of
/// each pool file for every snapshot whose `pool` is a symlink into that epoch. A new generation adds its new pool files
/// to the current epoch and costs nothing for the unchanged ones; a pool file removed by a generation is deleted once no
/// kept snapshot is older than that generation. A generation that would change a pool file in place (which APT never
/// does, but a tree may) starts a new epoch, built whole once, so no published snapshot ever sees a file change under it;
/// an epoch no kept snapshot uses is deleted.
/// </summary>
/// <remarks>
/// Crash safety: paths are added under a durable list of additions (additions.json), so a cut publish's orphans are
/// removed by the next; removals are logged (removals.json) only once the generation that makes them is published, so a
/// crash can leak a file but never delete one a kept snapshot names.
/// </remarks>
internal sealed class PoolStore : IDisposable
{
    public const string DirectoryName = "pools";
    private const string AdditionsFile = "additions.json";
    private const string RemovalsFile = "removals.json";

    private readonly IDirectoryTree _pools;

    private PoolStore(IDirectoryTree pools, string epoch)
    {
        _pools = pools;
        Epoch = epoch;
        Tree = pools.OpenTree(epoch);
    }

    /// <summary>The current epoch's name (0001, 0002, ...).</summary>
    public string Epoch { get; private set; }

    /// <summary>The current epoch as a tree: ROOT/... as in the manifest.</summary>
    public IDirectoryTree Tree { get; private set; }

    public static PoolStore Open(InsideState state)
    {
        state.Tree.CreateDirectories(DirectoryName);
        var pools = state.Tree.OpenTree(DirectoryName);
        var epoch = Epochs(pools).LastOrDefault();
        if (epoch is null)
        {
            epoch = Name(1);
            pools.CreateDirectory(epoch, 0x1ED);
        }

        return new PoolStore(pools, epoch);
    }

    /// <summary>Starts a new, empty epoch and makes it current (the old one stays for the snapshots that use it).</summary>
    public void StartEpoch()
    {
        var next = Name(int.Parse(Epoch, CultureInfo.InvariantCulture) + 1);
        _pools.RemoveTree(next);
        _pools.CreateDirectory(next, 0x1ED);
        Tree.Dispose();
        Epoch = next;
        Tree = _pools.OpenTree(next);
    }

    /// <summary>Opens an epoch's root as a tree, for reading a snapshot that uses it; null when gone.</summary>
    public static IDirectoryTree? OpenRoot(InsideState state, string epoch, string root)
    {
        var path = TreePath.Combine(TreePath.Combine(DirectoryName, epoch), root);
        return state.Tree.TryStat(path) is { Kind: UnixFileKind.Directory } ? state.Tree.OpenTree(path) : null;
    }

    /// <summary>Records, durably, the paths about to be added, so a cut publish's additions can be taken back.</summary>
    public void RecordAdditions(IReadOnlyList<string> paths) =>
        Tree.WriteAtomically(AdditionsFile, JsonSerializer.SerializeToUtf8Bytes(paths.ToList(), InsideJson.Default.ListString));

    public void ClearAdditions() => Tree.RemoveTree(AdditionsFile);

    /// <summary>Removes what a cut publish added and no published generation names.</summary>
    public void TakeBackAdditions(Manifest published)
    {
        if (Tree.TryStat(AdditionsFile) is null)
        {
            return;
        }

        foreach (var path in ReadList(AdditionsFile) ?? [])
        {
            if (published.Find(path) is null && IsPlain(path))
            {
                Tree.RemoveTree(path);
            }
        }

        ClearAdditions();
    }

    /// <summary>Logs the pool paths a newly published generation no longer names, to be deleted once no kept snapshot needs them.</summary>
    public void LogRemovals(IEnumerable<string> paths, long generation)
    {
        var log = ReadRemovals();
        foreach (var path in paths)
        {
            log[path] = generation;
        }

        Tree.WriteAtomically(RemovalsFile, JsonSerializer.SerializeToUtf8Bytes(log, InsideJson.Default.DictionaryStringInt64));
    }

    /// <summary>
    /// Deletes the logged pool paths no kept snapshot names (all kept ones are at or after the generation that removed
    /// them, and the newest does not name them again), emptied directories with them; then the epochs no kept snapshot uses.
    /// </summary>
    public int Collect(long oldestKept, Manifest newest, IReadOnlyCollection<string> epochsInUse)
    {
        var log = ReadRemovals();
        var deleted = 0;
        var touched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (path, removedAt) in log.OrderByDescending(e => e.Key, StringComparer.Ordinal).ToList())
        {
            if (newest.Find(path) is not null)
            {
                log.Remove(path); // named again: no longer a removal
                continue;
            }

            if (removedAt > oldestKept || !IsPlain(path))
            {
                continue;
            }

            var status = Tree.TryStat(path);
            if (status is { Kind: UnixFileKind.Directory })
            {
                if (Tree.List(path).Count == 0)
                {
                    Tree.DeleteDirectory(path);
                    touched.Add(TreePath.Split(path).Parent);
                }
            }
            else if (status is not null)
            {
                Tree.DeleteFile(path);
                touched.Add(TreePath.Split(path).Parent);
                deleted++;
            }

            log.Remove(path);
        }

        // A removal moves its directory's mtime, and the published snapshot shows that directory: put it back.
        foreach (var directory in touched)
        {
            if (newest.Find(directory) is { Kind: EntryKind.Directory } entry && Tree.TryStat(directory) is { Kind: UnixFileKind.Directory })
            {
                Tree.SetMtime(directory, entry.MtimeNs);
            }
        }

        Tree.WriteAtomically(RemovalsFile, JsonSerializer.SerializeToUtf8Bytes(log, InsideJson.Default.DictionaryStringInt64));
        foreach (var epoch in Epochs(_pools).Where(e => e != Epoch && !epochsInUse.Contains(e)))
        {
            _pools.RemoveTree(epoch);
        }

        return deleted;
    }

    public void Dispose()
    {
        Tree.Dispose();
        _pools.Dispose();
    }

    private static string Name(int number) => number.ToString("D4", CultureInfo.InvariantCulture);

    private static List<string> Epochs(IDirectoryTree pools) =>
        pools.List(string.Empty).Where(n => n.Length == 4 && n.All(char.IsAsciiDigit)).Order(StringComparer.Ordinal).ToList();

    /// <summary>Paths from the store's own files: never trusted to be plain and relative without checking.</summary>
    private static bool IsPlain(string path)
    {
        try
        {
            TreePath.Check(path);
            return path.Length > 0;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private Dictionary<string, long> ReadRemovals()
    {
        try
        {
            return Tree.TryStat(RemovalsFile) is null
                ? new Dictionary<string, long>(StringComparer.Ordinal)
                : JsonSerializer.Deserialize(Tree.ReadAllBytes(RemovalsFile), InsideJson.Default.DictionaryStringInt64) is { } log
                    ? new Dictionary<string, long>(log, StringComparer.Ordinal)
                    : new Dictionary<string, long>(StringComparer.Ordinal);
        }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException)
        {
            return new Dictionary<string, long>(StringComparer.Ordinal); // a damaged log leaks files, it never deletes one
        }
    }

    private List<string>? ReadList(string file)
    {
        try
        {
            return JsonSerializer.Deserialize(Tree.ReadAllBytes(file), InsideJson.Default.ListString);
        }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException)
        {
            return null;
        }
    }
}
