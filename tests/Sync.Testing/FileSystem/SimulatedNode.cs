using Sync.Core.Posix;

namespace Sync.Testing.FileSystem;

/// <summary>
/// One inode of the simulated file system: what it holds now, and what of that would survive a power cut (its data
/// and attributes as of its last fsync, or the last syncfs). Directory entries are not here: they live in the
/// file system's log of metadata operations, whose durable prefix decides what a cut keeps.
/// </summary>
internal sealed class SimulatedNode
{
    public SimulatedNode(int id, UnixFileKind kind, int mode, long mtimeNs)
    {
        Id = id;
        Kind = kind;
        Mode = DurableMode = mode;
        MtimeNs = DurableMtimeNs = mtimeNs;
        if (kind == UnixFileKind.Directory)
        {
            Entries = new SortedDictionary<string, int>(StringComparer.Ordinal);
        }
    }

    public int Id { get; }

    public UnixFileKind Kind { get; }

    public byte[] Data { get; set; } = [];

    public long Length { get; set; }

    public byte[] DurableData { get; set; } = [];

    public long DurableLength { get; set; }

    public int Mode { get; set; }

    public int DurableMode { get; set; }

    public long MtimeNs { get; set; }

    public long DurableMtimeNs { get; set; }

    public int Uid { get; set; }

    public int Gid { get; set; }

    public string? LinkTarget { get; init; }

    /// <summary>Names in this directory (directories only), for the image this node belongs to.</summary>
    public SortedDictionary<string, int>? Entries { get; private set; }

    public int LinkCount { get; set; }

    public bool Locked { get; set; }

    /// <summary>Makes what the node holds now the part a power cut keeps.</summary>
    public void MakeDurable()
    {
        DurableData = Data[..(int)Length];
        DurableLength = Length;
        DurableMode = Mode;
        DurableMtimeNs = MtimeNs;
    }

    /// <summary>A copy for another image; a directory's entries only when asked (a crash image replays them).</summary>
    public SimulatedNode Copy(bool withEntries)
    {
        var copy = new SimulatedNode(Id, Kind, Mode, MtimeNs)
        {
            LinkTarget = LinkTarget,
            Data = Data[..(int)Length],
            Length = Length,
            DurableData = DurableData,
            DurableLength = DurableLength,
            DurableMode = DurableMode,
            DurableMtimeNs = DurableMtimeNs,
            Uid = Uid,
            Gid = Gid,
        };
        if (withEntries && Entries is not null)
        {
            foreach (var (name, id) in Entries)
            {
                copy.Entries!.Add(name, id);
            }
        }

        return copy;
    }

    public void Write(ReadOnlySpan<byte> bytes, long offset)
    {
        var end = offset + bytes.Length;
        if (end > Data.Length)
        {
            var grown = new byte[Math.Max(end, Math.Max(4096, Data.Length * 2L))];
            Data.AsSpan(0, (int)Length).CopyTo(grown);
            Data = grown;
        }

        if (offset > Length)
        {
            Data.AsSpan((int)Length, (int)(offset - Length)).Clear();
        }

        bytes.CopyTo(Data.AsSpan((int)offset));
        Length = Math.Max(Length, end);
    }

    public void SetLength(long length)
    {
        if (length > Data.Length)
        {
            var grown = new byte[length];
            Data.AsSpan(0, (int)Length).CopyTo(grown);
            Data = grown;
        }

        if (length > Length)
        {
            Data.AsSpan((int)Length, (int)(length - Length)).Clear();
        }

        Length = length;
    }
}
