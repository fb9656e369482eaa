using System.Globalization;
using Sync.Core.FileSystem;
using Sync.Core.Streams;

namespace Sync.Inside;

/// <summary>
/// Complete, hash-checked streams received over UDP that wait to be applied, in STATE/udp-inbox:
/// `gNNNNNNNN-bNNNNNNNN-STREAMID.stream` plus `.desc` (the signed header). The receiver's decode loop only moves a
/// finished object here (a rename: cheap, so no packet is missed while a generation is applied); the apply loop
/// takes them in generation order. A delta whose base has not arrived yet waits here, so deltas sent out of
/// order (a carousel joined mid-round) still apply in order. Survives restarts and power cuts: the receiver records
/// a session finished (and stops listening for it) once <see cref="Add"/> returns, so by then the stream's bytes,
/// its descriptor and its name here are all durable.
/// </summary>
internal sealed class UdpInbox
{
    /// <summary>Streams kept at most; beyond that the newest waiting deltas are dropped (a carousel or `send --full` brings them again).</summary>
    public const int Capacity = 16;

    private const int CrossDevice = 18; // EXDEV: the spool is on another file system

    private readonly IFileSystem _fileSystem;

    public UdpInbox(string directory)
        : this(LinuxFileSystem.Instance, directory)
    {
    }

    public UdpInbox(IFileSystem fileSystem, string directory)
    {
        _fileSystem = fileSystem;
        Directory_ = directory;
        fileSystem.CreateTree(directory).Dispose();
    }

    public string Directory_ { get; }

    public sealed record Entry(long Generation, long BaseGeneration, string StreamIdHex, string StreamPath)
    {
        public string DescriptorPath => Path.ChangeExtension(StreamPath, ".desc");

        public string Describe => BaseGeneration == 0 ? $"generation {Generation} (full)" : $"generation {Generation} (delta from {BaseGeneration})";
    }

    public bool Holds(string streamIdHex) => List().Any(e => e.StreamIdHex == streamIdHex);

    /// <summary>
    /// Takes over a received object: its bytes made durable, the descriptor written, then the stream renamed in (it
    /// appears complete or not at all) and the name made durable.
    /// </summary>
    public Entry Add(DeltaHeader header, string receivedPath, ReadOnlyMemory<byte> descriptor)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"g{header.TargetGeneration:D8}-b{header.BaseGeneration:D8}-{header.StreamIdHex}");
        using var inbox = _fileSystem.CreateTree(Directory_);
        using var spool = _fileSystem.TryOpenTree(Path.GetDirectoryName(receivedPath)!)
            ?? throw new IOException($"received object '{receivedPath}' is gone");
        var objectName = Path.GetFileName(receivedPath);
        using (var file = spool.OpenRead(objectName))
        {
            file.Sync();
        }

        inbox.WriteAtomically(name + ".desc", descriptor.Span);
        inbox.RemoveTree(name + ".stream");
        try
        {
            spool.Rename(objectName, inbox, name + ".stream");
        }
        catch (IOException e) when (e.HResult == CrossDevice)
        {
            CopyDurably(spool, objectName, inbox, name + ".stream");
            spool.DeleteFile(objectName);
        }

        inbox.SyncDirectory(string.Empty);
        return new Entry(header.TargetGeneration, header.BaseGeneration, header.StreamIdHex, Path.Combine(Directory_, name + ".stream"));
    }

    /// <summary>Waiting streams, lowest generation first; a full stream before a delta of the same generation.</summary>
    public IReadOnlyList<Entry> List()
    {
        using var inbox = _fileSystem.CreateTree(Directory_);
        var entries = new List<Entry>();
        foreach (var file in inbox.List(string.Empty).Where(n => n.StartsWith('g') && n.EndsWith(".stream", StringComparison.Ordinal)))
        {
            var stem = file[..^".stream".Length];
            var parts = stem.Split('-');
            if (parts.Length == 3 && parts[0].Length == 9 && parts[1].Length == 9 && parts[2].Length == 32 &&
                long.TryParse(parts[0].AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var generation) &&
                long.TryParse(parts[1].AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var baseGeneration) &&
                inbox.TryStat(stem + ".desc") is not null)
            {
                entries.Add(new Entry(generation, baseGeneration, parts[2], Path.Combine(Directory_, file)));
            }
        }

        return entries.OrderBy(e => e.Generation).ThenBy(e => e.BaseGeneration).ToList();
    }

    public void Remove(Entry entry)
    {
        using var inbox = _fileSystem.CreateTree(Directory_);
        inbox.RemoveTree(Path.GetFileName(entry.StreamPath));
        inbox.RemoveTree(Path.GetFileName(entry.DescriptorPath));
    }

    /// <summary>Keeps at most <see cref="Capacity"/> streams, dropping the newest waiting ones: the oldest are applied first.</summary>
    public void Trim()
    {
        foreach (var extra in List().Skip(Capacity))
        {
            Remove(extra);
        }
    }

    private static void CopyDurably(IDirectoryTree from, string name, IDirectoryTree to, string destination)
    {
        to.RemoveTree(destination);
        from.CopyFile(name, to, destination, 0x180);
        using var copy = to.OpenWrite(destination);
        copy.Sync();
    }
}
