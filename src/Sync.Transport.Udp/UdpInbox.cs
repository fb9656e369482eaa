using Sync.Core.FileSystem;
using Sync.Core.Streams;

namespace Sync.Transport.Udp;

/// <summary>
/// Complete, hash-checked streams received over UDP that wait to be applied, in STATE/udp-inbox, named as the
/// outside's spool names them (<see cref="UdpStreamFile"/>). The receiver's decode loop only moves a
/// finished object here (a rename: cheap, so no packet is missed while a generation is applied); the apply loop
/// takes them in generation order. A delta whose base has not arrived yet waits here, so deltas sent out of
/// order (a carousel joined mid-round) still apply in order. Survives restarts and power cuts: the receiver records
/// a session finished (and stops listening for it) once <see cref="Add"/> returns, so by then the stream's bytes,
/// its descriptor and its name here are all durable.
/// </summary>
public sealed class UdpInbox
{
    /// <summary>Streams kept at most; beyond that the newest waiting deltas are dropped (a carousel or `send --full` brings them again).</summary>
    public const int Capacity = 16;

    private const int CrossDevice = 18; // EXDEV: the spool is on another file system

    private readonly IFileSystem _fileSystem;

    public UdpInbox(string directory)
        : this(LinuxFileSystem.Instance, directory)
    {
    }

    /// <summary>The inbox of the inside state at <paramref name="stateDirectory"/>.</summary>
    public static string DirectoryOf(string stateDirectory) => Path.Combine(stateDirectory, "udp-inbox");

    public UdpInbox(IFileSystem fileSystem, string directory)
    {
        _fileSystem = fileSystem;
        DirectoryPath = directory;
        fileSystem.CreateTree(directory).Dispose();
    }

    public string DirectoryPath { get; }

    public bool Holds(string streamIdHex) => List().Any(e => e.StreamIdHex == streamIdHex);

    /// <summary>
    /// Takes over a received object: its bytes made durable, the descriptor written, then the stream renamed in (it
    /// appears complete or not at all) and the name made durable.
    /// </summary>
    public UdpStreamFile Add(DeltaHeader header, string receivedPath, ReadOnlyMemory<byte> descriptor)
    {
        var name = UdpStreamFile.Stem(header);
        using var inbox = _fileSystem.CreateTree(DirectoryPath);
        using var spool = _fileSystem.TryOpenTree(Path.GetDirectoryName(receivedPath)!)
            ?? throw new IOException($"received object '{receivedPath}' is gone");
        var objectName = Path.GetFileName(receivedPath);
        using (var file = spool.OpenRead(objectName))
        {
            file.Sync();
        }

        var length = spool.TryStat(objectName)?.Size ?? throw new IOException($"received object '{receivedPath}' is gone");

        var streamName = name + UdpStreamFile.StreamExtension;
        inbox.WriteAtomically(name + UdpStreamFile.DescriptorExtension, descriptor.Span);
        inbox.RemoveTree(streamName);
        try
        {
            spool.Rename(objectName, inbox, streamName);
        }
        catch (IOException e) when (e.HResult == CrossDevice)
        {
            CopyDurably(spool, objectName, inbox, streamName);
            spool.DeleteFile(objectName);
        }

        inbox.SyncDirectory(string.Empty);
        return new UdpStreamFile(header.TargetGeneration, header.BaseGeneration, header.StreamIdHex, Path.Combine(DirectoryPath, streamName), length);
    }

    /// <summary>Waiting streams, lowest generation first; a full stream before a delta of the same generation.</summary>
    public IReadOnlyList<UdpStreamFile> List()
    {
        using var inbox = _fileSystem.CreateTree(DirectoryPath);
        var entries = new List<UdpStreamFile>();
        foreach (var file in inbox.List(string.Empty))
        {
            if (UdpStreamFile.TryParse(file, out var generation, out var baseGeneration, out var streamIdHex) &&
                inbox.TryStat(Path.ChangeExtension(file, UdpStreamFile.DescriptorExtension)) is not null &&
                inbox.TryStat(file) is { } stream)
            {
                entries.Add(new UdpStreamFile(generation, baseGeneration, streamIdHex, Path.Combine(DirectoryPath, file), stream.Size));
            }
        }

        return UdpStreamFile.InOrder(entries);
    }

    public void Remove(UdpStreamFile entry)
    {
        using var inbox = _fileSystem.CreateTree(DirectoryPath);
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
