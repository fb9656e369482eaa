using System.Globalization;
using Sync.Core.Storage;
using Sync.Core.Streams;

namespace Sync.Inside;

/// <summary>
/// Complete, hash-checked streams received over UDP that wait to be applied, in STATE/udp-inbox:
/// `gNNNNNNNN-bNNNNNNNN-STREAMID.stream` plus `.desc` (the signed header). The receiver's decode loop only moves a
/// finished object here (a rename: cheap, so no packet is missed while a generation is applied); the apply loop
/// takes them in generation order. A delta whose base has not arrived yet waits here, so deltas sent out of
/// order (a carousel joined mid-round) still apply in order. Survives restarts.
/// </summary>
internal sealed class UdpInbox
{
    /// <summary>Streams kept at most; beyond that the newest waiting deltas are dropped (a carousel or `send --full` brings them again).</summary>
    public const int Capacity = 16;

    public UdpInbox(string directory)
    {
        Directory_ = directory;
        Directory.CreateDirectory(directory);
    }

    public string Directory_ { get; }

    public sealed record Entry(long Generation, long BaseGeneration, string StreamIdHex, string StreamPath)
    {
        public string DescriptorPath => Path.ChangeExtension(StreamPath, ".desc");

        public string Describe => BaseGeneration == 0 ? $"generation {Generation} (full)" : $"generation {Generation} (delta from {BaseGeneration})";
    }

    public bool Holds(string streamIdHex) => List().Any(e => e.StreamIdHex == streamIdHex);

    /// <summary>Takes over a received object: descriptor first, then the stream renamed in (it appears complete or not at all).</summary>
    public Entry Add(DeltaHeader header, string receivedPath, ReadOnlyMemory<byte> descriptor)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"g{header.TargetGeneration:D8}-b{header.BaseGeneration:D8}-{header.StreamIdHex}");
        var path = Path.Combine(Directory_, name + ".stream");
        AtomicFile.WriteAllBytes(Path.ChangeExtension(path, ".desc"), descriptor.Span);
        File.Move(receivedPath, path, overwrite: true);
        return new Entry(header.TargetGeneration, header.BaseGeneration, header.StreamIdHex, path);
    }

    /// <summary>Waiting streams, lowest generation first; a full stream before a delta of the same generation.</summary>
    public IReadOnlyList<Entry> List()
    {
        var entries = new List<Entry>();
        foreach (var path in Directory.EnumerateFiles(Directory_, "g*.stream"))
        {
            var parts = Path.GetFileNameWithoutExtension(path).Split('-');
            if (parts.Length == 3 && parts[0].Length == 9 && parts[1].Length == 9 && parts[2].Length == 32 &&
                long.TryParse(parts[0].AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var generation) &&
                long.TryParse(parts[1].AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var baseGeneration) &&
                File.Exists(Path.ChangeExtension(path, ".desc")))
            {
                entries.Add(new Entry(generation, baseGeneration, parts[2], path));
            }
        }

        return entries.OrderBy(e => e.Generation).ThenBy(e => e.BaseGeneration).ToList();
    }

    public void Remove(Entry entry)
    {
        File.Delete(entry.StreamPath);
        File.Delete(entry.DescriptorPath);
    }

    /// <summary>Keeps at most <see cref="Capacity"/> streams, dropping the newest waiting ones: the oldest are applied first.</summary>
    public void Trim()
    {
        foreach (var extra in List().Skip(Capacity))
        {
            Remove(extra);
        }
    }
}
