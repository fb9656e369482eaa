using Sync.Core;
using Sync.Core.FileSystem;
using Sync.Core.Streams;

namespace Sync.Transport.Udp;

/// <summary>
/// Complete, hash-checked streams received over UDP that wait to be applied, in STATE/udp-inbox, named as the
/// outside's spool names them (<see cref="UdpStreamFile"/>), and the parts of streams sent in parts
/// (<see cref="UdpPartFile"/>), which are applied while the rest arrives. The receiver's decode loop only moves a
/// finished object here (a rename: cheap, so no packet is missed while a generation is applied) and signals
/// <see cref="WhenChanged"/>; the apply loop takes them in generation order. A delta whose base has not arrived yet
/// waits here, so deltas sent out of order (a carousel joined mid-round) still apply in order. Survives restarts and
/// power cuts: the receiver records a session finished (and stops listening for it) once <see cref="Add"/> or
/// <see cref="AddPart"/> returns, so by then the bytes, the descriptor and the name here are all durable.
/// Threads: adds and the Holds questions come from the decode loop, the rest from the apply loop; each call stands
/// on its own (a listing is a snapshot), and only the apply loop removes.
/// </summary>
public sealed class UdpInbox
{
    /// <summary>
    /// Streams kept at most, whole or in parts; beyond that the newest waiting ones are dropped (a carousel or
    /// `send --full` brings them again).
    /// </summary>
    public const int Capacity = 16;

    private const int CrossDevice = 18; // EXDEV: the spool is on another file system
    private const int NoSuchFile = 2; // ENOENT

    private readonly IFileSystem _fileSystem;
    private TaskCompletionSource _changed = NewSignal();

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

    /// <summary>
    /// Completes once a stream or a part is added after it was read: read it before looking at the inbox, then
    /// await it, and nothing added in between is missed. Continuations never run on the adding (decode) loop.
    /// </summary>
    public Task WhenChanged => Volatile.Read(ref _changed).Task;

    /// <summary>True when the stream is here whole, or every one of its parts is (the last one included).</summary>
    public bool Holds(string streamIdHex) =>
        HoldsWhole(streamIdHex) ||
        PartialStreams().Any(p => p.StreamIdHex == streamIdHex && LastPart(p) is { } last && p.Indices.Count == last + 1);

    public bool HoldsWhole(string streamIdHex) => List().Any(e => e.StreamIdHex == streamIdHex);

    /// <summary>
    /// A stream held complete (whole, or every part through the last) that applies without <paramref name="stream"/>:
    /// another stream of the same generation, or one beyond it built on an older base. Such a stream is what an
    /// outside sent after abandoning <paramref name="stream"/> half-sent: its missing parts will never come.
    /// </summary>
    public string? CompleteStreamNotNeeding(UdpPartialStream stream)
    {
        bool Skips(long generation, long baseGeneration, string id) =>
            id != stream.StreamIdHex && (generation == stream.Generation || (generation > stream.Generation && baseGeneration < stream.Generation));

        if (List().FirstOrDefault(e => Skips(e.Generation, e.BaseGeneration, e.StreamIdHex)) is { } whole)
        {
            return whole.Describe;
        }

        return PartialStreams().FirstOrDefault(p => Skips(p.Generation, p.BaseGeneration, p.StreamIdHex) && Holds(p.StreamIdHex))?.Describe;
    }

    public bool HoldsPart(string streamIdHex, int index) => Parts().Any(p => p.StreamIdHex == streamIdHex && p.Index == index);

    /// <summary>
    /// Takes over a received object: its bytes made durable, the descriptor written, then the stream renamed in (it
    /// appears complete or not at all) and the name made durable.
    /// </summary>
    public UdpStreamFile Add(DeltaHeader header, string receivedPath, ReadOnlyMemory<byte> descriptor)
    {
        var name = UdpStreamFile.Stem(header);
        var streamName = name + UdpStreamFile.StreamExtension;
        var length = TakeOver(receivedPath, streamName, name + UdpStreamFile.DescriptorExtension, descriptor);
        Changed();
        return new UdpStreamFile(header.TargetGeneration, header.BaseGeneration, header.StreamIdHex, Path.Combine(DirectoryPath, streamName), length);
    }

    /// <summary>As <see cref="Add"/>, for a received part of a stream: kept under its part name, beside its own descriptor.</summary>
    public UdpPartFile AddPart(DeltaHeader header, StreamPart part, string receivedPath, ReadOnlyMemory<byte> descriptor)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(part.Index, UdpPartFile.MaxIndex);
        var name = UdpPartFile.Name(header, part.Index);
        TakeOver(receivedPath, name, Path.ChangeExtension(name, UdpStreamFile.DescriptorExtension), descriptor);
        Changed();
        return new UdpPartFile(header.TargetGeneration, header.BaseGeneration, header.StreamIdHex, part.Index, Path.Combine(DirectoryPath, name));
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

    /// <summary>Every part held with its descriptor, lowest generation first, then by stream and index.</summary>
    public IReadOnlyList<UdpPartFile> Parts()
    {
        using var inbox = _fileSystem.CreateTree(DirectoryPath);
        var parts = new List<UdpPartFile>();
        foreach (var file in inbox.List(string.Empty))
        {
            if (UdpPartFile.TryParse(file, out var generation, out var baseGeneration, out var streamIdHex, out var index) &&
                inbox.TryStat(Path.ChangeExtension(file, UdpStreamFile.DescriptorExtension)) is not null)
            {
                parts.Add(new UdpPartFile(generation, baseGeneration, streamIdHex, index, Path.Combine(DirectoryPath, file)));
            }
        }

        return parts.OrderBy(p => p.Generation).ThenBy(p => p.BaseGeneration).ThenBy(p => p.StreamIdHex, StringComparer.Ordinal).ThenBy(p => p.Index).ToList();
    }

    /// <summary>Streams held in parts with part 0 among them and not whole, lowest generation first.</summary>
    public IReadOnlyList<UdpPartialStream> PartialStreams()
    {
        var whole = List().Select(e => e.StreamIdHex).ToHashSet(StringComparer.Ordinal);
        return Parts()
            .GroupBy(p => (p.Generation, p.BaseGeneration, p.StreamIdHex))
            .Where(g => !whole.Contains(g.Key.StreamIdHex) && g.First().Index == 0)
            .Select(g => new UdpPartialStream(g.Key.Generation, g.Key.BaseGeneration, g.Key.StreamIdHex, g.Select(p => p.Index).ToList()))
            .ToList();
    }

    /// <summary>
    /// The path of part <paramref name="index"/> of <paramref name="stream"/> and where it sits in the stream; null
    /// while it has not arrived. A descriptor that names another part is a refusal.
    /// </summary>
    public string? FindPart(UdpPartialStream stream, int index, out StreamPart place)
    {
        place = default;
        using var inbox = _fileSystem.CreateTree(DirectoryPath);
        var name = UdpPartFile.Name(stream.Stem, index);
        if (inbox.TryStat(name) is null)
        {
            return null;
        }

        place = ReadPlace(inbox, name, index);
        return Path.Combine(DirectoryPath, name);
    }

    /// <summary>The index of the part that ends <paramref name="stream"/> once it is held; null before.</summary>
    public int? LastPart(UdpPartialStream stream)
    {
        // Only the highest part held can be the last: a part beyond the last one cannot have been sent.
        var highest = stream.Indices[^1];
        using var inbox = _fileSystem.CreateTree(DirectoryPath);
        var name = UdpPartFile.Name(stream.Stem, highest);
        try
        {
            return inbox.TryStat(name) is not null && ReadPlace(inbox, name, highest).Last ? highest : null;
        }
        catch (IOException e) when (e.HResult == NoSuchFile)
        {
            return null; // settled and removed by the apply loop meanwhile (this runs on the decode loop too)
        }
    }

    /// <summary>How many streams wait here, whole or in parts.</summary>
    public int Count => HeldStreams().Count;

    /// <summary>Removes a settled stream: its whole file and every part of it.</summary>
    public void Remove(UdpStreamFile entry) => RemoveStream(entry.StreamIdHex);

    /// <summary>Removes every file of the stream <paramref name="streamIdHex"/>, whole or in parts, with their descriptors.</summary>
    public void RemoveStream(string streamIdHex)
    {
        using var inbox = _fileSystem.CreateTree(DirectoryPath);
        foreach (var file in inbox.List(string.Empty))
        {
            if ((UdpStreamFile.TryParse(file, out _, out _, out var id) || UdpPartFile.TryParse(file, out _, out _, out id, out _)) && id == streamIdHex)
            {
                inbox.RemoveTree(file);
                inbox.RemoveTree(Path.ChangeExtension(file, UdpStreamFile.DescriptorExtension));
            }
        }
    }

    /// <summary>Removes the parts of generations up to <paramref name="published"/>: they can never apply now.</summary>
    public void RemovePartsUpTo(long published)
    {
        foreach (var stream in Parts().Where(p => p.Generation <= published).Select(p => p.StreamIdHex).Distinct(StringComparer.Ordinal))
        {
            RemoveStream(stream);
        }
    }

    /// <summary>
    /// Keeps at most <see cref="Capacity"/> streams, whole or in parts, dropping the newest waiting ones: the oldest are
    /// applied first.
    /// </summary>
    public void Trim()
    {
        foreach (var extra in HeldStreams().Skip(Capacity))
        {
            RemoveStream(extra.StreamIdHex);
        }
    }

    /// <summary>Each stream held whole or in any parts, once, lowest generation first.</summary>
    private List<(long Generation, long BaseGeneration, string StreamIdHex)> HeldStreams() =>
        List().Select(e => (e.Generation, e.BaseGeneration, e.StreamIdHex))
            .Concat(Parts().Select(p => (p.Generation, p.BaseGeneration, p.StreamIdHex)))
            .Distinct()
            .OrderBy(s => s.Generation).ThenBy(s => s.BaseGeneration)
            .ToList();

    private static StreamPart ReadPlace(IDirectoryTree inbox, string partName, int index)
    {
        UdpDescriptor.Read(inbox.ReadAllBytes(Path.ChangeExtension(partName, UdpStreamFile.DescriptorExtension), 1 << 20), out var place);
        return place is { } held && held.Index == index
            ? held
            : throw SyncException.Refused(RefusalKind.Damaged, $"UDP inbox file '{partName}' has the descriptor of another part");
    }

    /// <summary>
    /// Moves a received object in under <paramref name="name"/>: its bytes made durable, the descriptor written, then
    /// the object renamed in (it appears complete or not at all) and the name made durable. Returns its length.
    /// </summary>
    private long TakeOver(string receivedPath, string name, string descriptorName, ReadOnlyMemory<byte> descriptor)
    {
        using var inbox = _fileSystem.CreateTree(DirectoryPath);
        using var spool = _fileSystem.TryOpenTree(Path.GetDirectoryName(receivedPath)!)
            ?? throw new IOException($"received object '{receivedPath}' is gone");
        var objectName = Path.GetFileName(receivedPath);
        using (var file = spool.OpenRead(objectName))
        {
            file.Sync();
        }

        var length = spool.TryStat(objectName)?.Size ?? throw new IOException($"received object '{receivedPath}' is gone");
        inbox.WriteAtomically(descriptorName, descriptor.Span);
        inbox.RemoveTree(name);
        try
        {
            spool.Rename(objectName, inbox, name);
        }
        catch (IOException e) when (e.HResult == CrossDevice)
        {
            CopyDurably(spool, objectName, inbox, name);
            spool.DeleteFile(objectName);
        }

        inbox.SyncDirectory(string.Empty);
        return length;
    }

    private void Changed() => Interlocked.Exchange(ref _changed, NewSignal()).TrySetResult();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static void CopyDurably(IDirectoryTree from, string name, IDirectoryTree to, string destination)
    {
        to.RemoveTree(destination);
        from.CopyFile(name, to, destination, 0x180);
        using var copy = to.OpenWrite(destination);
        copy.Sync();
    }
}
