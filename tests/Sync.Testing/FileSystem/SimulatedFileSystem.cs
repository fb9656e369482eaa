using Sync.Core.FileSystem;
using Sync.Core.Posix;

namespace Sync.Testing.FileSystem;

/// <summary>
/// A file system in memory that knows what would survive a power cut, in the spirit of SQLite's crash-test VFS, so
/// the apply path can be cut at every step and recovered from what a real disk could hold afterwards.
/// </summary>
/// <remarks>
/// The model is that of a journaling file system: metadata operations (create, link, rename, exchange, unlink,
/// rmdir) are committed in the order they were made, so a cut keeps a prefix of them, at least up to the last one
/// made durable (fsync of a directory they touch, or syncfs); a file's data and attributes survive as of its last
/// fsync (or syncfs), and what was written since may be kept, lost, or kept in part, page by page. Every mutating
/// call is one step; <see cref="ArmCut"/> makes step N fail, and every call after it, with
/// <see cref="PowerCutException"/>. <see cref="CrashImage"/> then gives a fresh file system holding what the disk
/// holds after the cut, all of it durable, ready for a recovery run. Single-threaded, like one apply.
/// </remarks>
public sealed class SimulatedFileSystem : IFileSystem
{
    internal const int RootId = 1;
    private const int PageSize = 4096;

    private readonly Dictionary<int, SimulatedNode> _nodes;
    private readonly Dictionary<int, SimulatedNode> _base;
    private readonly List<MetadataOperation> _log = [];
    private int _durablePrefix;
    private int _nextId;
    private long _clock = 1_700_000_000_000_000_000;
    private long _cutAt = long.MaxValue;

    public SimulatedFileSystem()
    {
        var root = new SimulatedNode(RootId, UnixFileKind.Directory, 0x1ED, _clock) { LinkCount = 1 };
        _nodes = new() { [RootId] = root };
        _base = new() { [RootId] = root.Copy(withEntries: true) };
        _nextId = RootId + 1;
    }

    private SimulatedFileSystem(Dictionary<int, SimulatedNode> image, int nextId, long clock)
    {
        foreach (var node in image.Values)
        {
            node.MakeDurable();
        }

        _nodes = image;
        _base = image.ToDictionary(n => n.Key, n => n.Value.Copy(withEntries: true));
        _nextId = nextId;
        _clock = clock;
        RecountLinks(_nodes);
    }

    /// <summary>Mutating calls made so far (each a point where the power may fail).</summary>
    public long Steps { get; private set; }

    public bool IsCut { get; private set; }

    /// <summary>Step <paramref name="step"/> (counted from now) and every call after it fail: the power is cut there.</summary>
    public void ArmCut(long step) => _cutAt = Steps + step;

    /// <summary>A copy of this file system as it is now, everything in it durable (a quiet disk to start runs from).</summary>
    public SimulatedFileSystem Snapshot()
    {
        CheckPower();
        var image = _nodes.Where(n => n.Value.LinkCount > 0 || n.Key == RootId).ToDictionary(n => n.Key, n => n.Value.Copy(withEntries: true));
        return new SimulatedFileSystem(image, _nextId, _clock);
    }

    /// <summary>What the disk holds after the power was cut (or now, had it been): a fresh, durable file system.</summary>
    public SimulatedFileSystem CrashImage(CrashVariant variant, Random random)
    {
        var prefix = variant switch
        {
            CrashVariant.DurableOnly => _durablePrefix,
            CrashVariant.Everything => _log.Count,
            _ => random.Next(_durablePrefix, _log.Count + 1),
        };

        var image = _base.ToDictionary(n => n.Key, n => n.Value.Copy(withEntries: true));
        foreach (var operation in _log.Take(prefix))
        {
            foreach (var (dir, name, node) in operation.Changes)
            {
                var entries = Materialize(image, dir).Entries!;
                if (node is { } id)
                {
                    Materialize(image, id);
                    entries[name] = id;
                }
                else
                {
                    entries.Remove(name);
                }
            }
        }

        foreach (var node in image.Values)
        {
            var live = _nodes[node.Id];
            ChooseContent(node, live, variant, random);
        }

        return new SimulatedFileSystem(image, _nextId, _clock);
    }

    public IDirectoryTree? TryOpenTree(string path, bool followSymlink = true)
    {
        CheckPower();
        var id = ResolveAbsolute(path, followSymlink);
        if (id is null)
        {
            return null;
        }

        var node = _nodes[id.Value];
        return node.Kind == UnixFileKind.Directory
            ? new SimulatedTree(this, Path.GetFullPath(path), id.Value)
            : node.Kind == UnixFileKind.Symlink
                ? throw new TreePathException($"'{path}' is a symlink, not a directory", 40)
                : throw new IOException($"'{path}' is not a directory", 20);
    }

    public IDirectoryTree CreateTree(string path)
    {
        CheckPower();
        var full = Path.GetFullPath(path);
        var prefix = string.Empty;
        foreach (var component in full.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var parent = ResolveAbsolute(prefix.Length == 0 ? "/" : prefix, followSymlink: true)!.Value;
            prefix += "/" + component;
            var id = ResolveAbsolute(prefix, followSymlink: true);
            if (id is null)
            {
                Step();
                CreateNode(parent, component, UnixFileKind.Directory, 0x1ED, null);
            }
            else if (_nodes[id.Value].Kind != UnixFileKind.Directory)
            {
                throw new IOException($"'{prefix}' is not a directory", 20);
            }
        }

        return new SimulatedTree(this, full, ResolveAbsolute(full, followSymlink: true)!.Value);
    }

    public FileStatus? TryStatPath(string path)
    {
        CheckPower();
        var id = ResolveAbsolute(path, followSymlink: false);
        return id is null ? null : Status(_nodes[id.Value]);
    }

    public long AvailableBytes(string path) => 1L << 50;

    /// <summary>Reads a file by absolute path (following symlinks), for the tests' own checks.</summary>
    public byte[]? ReadFile(string path)
    {
        var id = ResolveAbsolute(path, followSymlink: true);
        return id is null || _nodes[id.Value].Kind != UnixFileKind.File ? null : _nodes[id.Value].Data[..(int)_nodes[id.Value].Length];
    }

    internal static FileStatus Status(SimulatedNode node) =>
        new(node.Kind, node.Mode, node.Kind == UnixFileKind.Symlink ? node.LinkTarget!.Length : node.Length, node.MtimeNs, node.MtimeNs,
            (ulong)node.Id, 1, (uint)Math.Max(1, node.LinkCount), (uint)node.Uid, (uint)node.Gid);

    internal SimulatedNode Node(int id) => _nodes[id];

    internal long Now() => ++_clock;

    /// <summary>Counts a mutating call; fails it (and every call after) once the power is cut.</summary>
    internal void Step()
    {
        CheckPower();
        Steps++;
        if (Steps >= _cutAt)
        {
            IsCut = true;
            throw new PowerCutException(Steps);
        }
    }

    internal void CheckPower()
    {
        if (IsCut)
        {
            throw new PowerCutException(Steps);
        }
    }

    internal SimulatedNode CreateNode(int directory, string name, UnixFileKind kind, int mode, string? linkTarget)
    {
        var node = new SimulatedNode(_nextId++, kind, mode & 0xFFF, Now()) { LinkTarget = linkTarget };
        _nodes[node.Id] = node;
        Record([(directory, name, node.Id)]);
        return node;
    }

    /// <summary>Applies a set of entry changes as one metadata operation (a rename or exchange is atomic).</summary>
    internal void Record(IReadOnlyList<(int Directory, string Name, int? Node)> changes)
    {
        foreach (var (dir, name, node) in changes)
        {
            var entries = _nodes[dir].Entries!;
            if (entries.TryGetValue(name, out var old))
            {
                _nodes[old].LinkCount--;
            }

            if (node is { } id)
            {
                entries[name] = id;
                _nodes[id].LinkCount++;
            }
            else
            {
                entries.Remove(name);
            }

            _nodes[dir].MtimeNs = Now();
        }

        _log.Add(new MetadataOperation(changes));
    }

    /// <summary>fsync of a directory: its attributes, and every metadata operation up to the last that touched it.</summary>
    internal void SyncDirectory(int directory)
    {
        _nodes[directory].MakeDurable();
        for (var i = _log.Count - 1; i >= _durablePrefix; i--)
        {
            if (_log[i].Changes.Any(c => c.Directory == directory))
            {
                _durablePrefix = i + 1;
                break;
            }
        }
    }

    internal void SyncAll()
    {
        foreach (var node in _nodes.Values)
        {
            node.MakeDurable();
        }

        _durablePrefix = _log.Count;
    }

    /// <summary>The node in a crash image, copied from the live one (entries to be replayed) when it was made after the base.</summary>
    private SimulatedNode Materialize(Dictionary<int, SimulatedNode> image, int id)
    {
        if (!image.TryGetValue(id, out var node))
        {
            node = _nodes[id].Copy(withEntries: false);
            image[id] = node;
        }

        return node;
    }

    private void ChooseContent(SimulatedNode node, SimulatedNode live, CrashVariant variant, Random random)
    {
        var choice = variant switch
        {
            CrashVariant.DurableOnly => 0,
            CrashVariant.Everything => 1,
            _ => random.Next(3),
        };

        var durable = live.DurableData;
        var latest = live.Data.AsSpan(0, (int)live.Length);
        byte[] data;
        switch (choice)
        {
            case 0:
                data = durable.ToArray();
                node.Mode = live.DurableMode;
                node.MtimeNs = live.DurableMtimeNs;
                break;
            case 1:
                data = latest.ToArray();
                node.Mode = live.Mode;
                node.MtimeNs = live.MtimeNs;
                break;
            default:
                var length = random.Next(2) == 0 ? durable.Length : latest.Length;
                data = new byte[length];
                for (var page = 0; page < length; page += PageSize)
                {
                    var source = random.Next(2) == 0 ? durable : latest;
                    var n = Math.Min(PageSize, length - page);
                    var available = Math.Clamp(source.Length - page, 0, n);
                    if (available > 0)
                    {
                        source[page..(page + available)].CopyTo(data.AsSpan(page));
                    }
                }

                node.Mode = random.Next(2) == 0 ? live.DurableMode : live.Mode;
                node.MtimeNs = random.Next(2) == 0 ? live.DurableMtimeNs : live.MtimeNs;
                break;
        }

        node.Data = data;
        node.Length = data.Length;
    }

    private static void RecountLinks(Dictionary<int, SimulatedNode> image)
    {
        foreach (var node in image.Values)
        {
            node.LinkCount = node.Id == RootId ? 1 : 0;
        }

        foreach (var node in image.Values)
        {
            if (node.Entries is null)
            {
                continue;
            }

            foreach (var id in node.Entries.Values)
            {
                image[id].LinkCount++;
            }
        }
    }

    /// <summary>Resolves an absolute path from the root as the kernel would, following symlinks (the last one too, if asked).</summary>
    private int? ResolveAbsolute(string path, bool followSymlink)
    {
        var pending = new Stack<string>(Path.GetFullPath(path).Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse());
        var stack = new List<int> { RootId };
        var expansions = 0;
        while (pending.Count > 0)
        {
            var component = pending.Pop();
            if (component == ".")
            {
                continue;
            }

            if (component == "..")
            {
                if (stack.Count > 1)
                {
                    stack.RemoveAt(stack.Count - 1);
                }

                continue;
            }

            var directory = _nodes[stack[^1]];
            if (directory.Kind != UnixFileKind.Directory || !directory.Entries!.TryGetValue(component, out var id))
            {
                return null;
            }

            var node = _nodes[id];
            if (node.Kind == UnixFileKind.Symlink && (pending.Count > 0 || followSymlink))
            {
                if (++expansions > 40)
                {
                    throw new IOException($"too many levels of symbolic links in '{path}'", 40);
                }

                foreach (var part in node.LinkTarget!.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse())
                {
                    pending.Push(part);
                }

                if (node.LinkTarget.StartsWith('/'))
                {
                    stack.RemoveRange(1, stack.Count - 1);
                }

                continue;
            }

            stack.Add(id);
        }

        return stack[^1];
    }

    private sealed record MetadataOperation(IReadOnlyList<(int Directory, string Name, int? Node)> Changes);
}
