using System.Runtime.InteropServices;
using Google.Protobuf;
using Sync.Core;
using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Core.Streams;
using Sync.Protocol.Internal;

namespace Sync.Protocol;

/// <summary>
/// The canonical bytes of manifests and delta headers: the protobuf encoding of <see cref="V1.Manifest"/>
/// and <see cref="V1.DeltaHeader"/>. Serialization is deterministic (fields in number order, defaults
/// omitted), so equal manifests give equal bytes and equal digests. Parsing treats the bytes as hostile:
/// sizes and counts are checked as they are read, then the domain validator runs. Stateless and thread-safe.
/// </summary>
public sealed class ProtobufWireCodec : IWireCodec
{
    /// <summary>The length of a stream id: 16 random bytes chosen by the outside.</summary>
    public const int StreamIdBytes = 16;

    // Tags as WireFormat.MakeTag builds them (field number << 3 | wire type), as constants for the parser's switch.
    private const uint ManifestTagFormat = V1.Manifest.FormatVersionFieldNumber << 3;                     // varint
    private const uint ManifestTagGeneration = V1.Manifest.GenerationFieldNumber << 3;                    // varint
    private const uint ManifestTagCreated = V1.Manifest.CreatedUnixMsFieldNumber << 3;                    // varint
    private const uint ManifestTagEntry = (V1.Manifest.EntriesFieldNumber << 3) | 2;                      // length-delimited

    private static readonly long MinUnixMs = DateTimeOffset.MinValue.ToUnixTimeMilliseconds();
    private static readonly long MaxUnixMs = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    public static ProtobufWireCodec Instance { get; } = new();

    public byte[] SerializeManifest(Manifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);

        // Entry by entry, so only one entry's wire objects exist at a time even for millions of entries, into an array
        // of the exact size (sized in a first pass), so a 56 MB manifest costs 56 MB and no regrowth or copy. The
        // bytes are those of V1.Manifest.ToByteArray(): header fields in number order, then the entries.
        var generation = NonNegative(manifest.Generation, "manifest generation");
        var created = manifest.Created.ToUnixTimeMilliseconds();
        long size = CodedOutputStream.ComputeTagSize(V1.Manifest.FormatVersionFieldNumber) + CodedOutputStream.ComputeUInt32Size(Manifest.FormatVersion);
        if (generation != 0)
        {
            size += CodedOutputStream.ComputeTagSize(V1.Manifest.GenerationFieldNumber) + CodedOutputStream.ComputeUInt64Size(generation);
        }

        if (created != 0)
        {
            size += CodedOutputStream.ComputeTagSize(V1.Manifest.CreatedUnixMsFieldNumber) + CodedOutputStream.ComputeInt64Size(created);
        }

        foreach (var entry in manifest.Entries)
        {
            size += CodedOutputStream.ComputeTagSize(V1.Manifest.EntriesFieldNumber) + CodedOutputStream.ComputeMessageSize(EntryWire.ToWire(entry));
        }

        if (size > Array.MaxLength)
        {
            throw new InvalidOperationException($"manifest of {size} bytes is larger than an array can hold");
        }

        var bytes = new byte[size];
        var coded = new CodedOutputStream(bytes);
        WriteManifestTo(coded, manifest, generation, created);
        coded.CheckNoSpaceLeft();
        return bytes;
    }

    public void WriteManifest(Manifest manifest, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(destination);
        using var coded = new CodedOutputStream(destination, leaveOpen: true);
        WriteManifestTo(coded, manifest, NonNegative(manifest.Generation, "manifest generation"), manifest.Created.ToUnixTimeMilliseconds());
        coded.Flush();
    }

    private static void WriteManifestTo(CodedOutputStream coded, Manifest manifest, ulong generation, long created)
    {
        coded.WriteTag(ManifestTagFormat);
        coded.WriteUInt32(Manifest.FormatVersion);
        if (generation != 0)
        {
            coded.WriteTag(ManifestTagGeneration);
            coded.WriteUInt64(generation);
        }

        if (created != 0)
        {
            coded.WriteTag(ManifestTagCreated);
            coded.WriteInt64(created);
        }

        foreach (var entry in manifest.Entries)
        {
            coded.WriteTag(ManifestTagEntry);
            coded.WriteMessage(EntryWire.ToWire(entry));
        }
    }

    public Manifest ParseManifest(ReadOnlyMemory<byte> bytes, ManifestLimits limits, IReadOnlyList<ManifestEntry>? shareWith = null)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (bytes.Length > limits.MaxManifestBytes)
        {
            throw SyncException.Refused($"manifest of {bytes.Length} bytes is larger than the limit of {limits.MaxManifestBytes}");
        }

        var array = MemoryMarshal.TryGetArray(bytes, out var segment) && segment.Array is not null
            ? segment
            : new ArraySegment<byte>(bytes.ToArray());
        return ParseManifest(new CodedInputStream(array.Array!, array.Offset, array.Count), limits, shareWith);
    }

    public Manifest ParseManifest(Stream source, ManifestLimits limits, IReadOnlyList<ManifestEntry>? shareWith = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(limits);
        if (source.CanSeek && source.Length > limits.MaxManifestBytes)
        {
            throw SyncException.Refused($"manifest of {source.Length} bytes is larger than the limit of {limits.MaxManifestBytes}");
        }

        using var input = new CodedInputStream(source, leaveOpen: true);
        return ParseManifest(input, limits, shareWith);
    }

    private static Manifest ParseManifest(CodedInputStream input, ManifestLimits limits, IReadOnlyList<ManifestEntry>? shareWith)
    {
        uint format = 0;
        ulong generation = 0;
        long created = 0;
        var entries = new List<ManifestEntry>();
        var sharer = shareWith is null ? null : new EntrySharer(shareWith);
        try
        {
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                switch (tag)
                {
                    case ManifestTagFormat:
                        format = input.ReadUInt32();
                        CheckManifestFormat(format);
                        break;
                    case ManifestTagGeneration:
                        generation = input.ReadUInt64();
                        break;
                    case ManifestTagCreated:
                        created = input.ReadInt64();
                        break;
                    case ManifestTagEntry:
                        if (entries.Count >= limits.MaxEntries)
                        {
                            throw SyncException.Refused($"manifest has more than the limit of {limits.MaxEntries} entries");
                        }

                        var wire = new V1.Entry();
                        input.ReadMessage(wire);
                        entries.Add(EntryWire.FromWire(wire, limits, sharer));
                        break;
                    default:
                        input.SkipLastField();
                        break;
                }
            }
        }
        catch (InvalidProtocolBufferException e)
        {
            throw SyncException.Refused($"manifest is malformed after {entries.Count} entries: {e.Message}", e);
        }

        CheckManifestFormat(format);
        if (generation > long.MaxValue)
        {
            throw SyncException.Refused($"manifest generation {generation} out of range");
        }

        var manifest = new Manifest((long)generation, FromUnixMs(created, "manifest"), entries);
        ManifestValidator.Validate(manifest, limits);
        return manifest;
    }

    public byte[] SerializeHeader(DeltaHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        return new V1.DeltaHeader
        {
            FormatVersion = (uint)header.FormatVersion,
            StreamId = ByteString.CopyFrom(header.StreamId),
            TargetGeneration = NonNegative(header.TargetGeneration, "target generation"),
            TargetManifestDigest = WireDigest.ToByteString(header.TargetManifestDigest),
            TargetManifestSize = NonNegative(header.TargetManifestSize, "target manifest size"),
            BaseGeneration = NonNegative(header.BaseGeneration, "base generation"),
            BaseManifestDigest = WireDigest.ToByteString(header.BaseManifestDigest),
            CreatedUnixMs = header.Created.ToUnixTimeMilliseconds(),
            ContentCount = NonNegative(header.ContentCount, "content count"),
            PayloadBytes = NonNegative(header.PayloadBytes, "payload bytes"),
        }.ToByteArray();
    }

    public DeltaHeader ParseHeader(ReadOnlySpan<byte> bytes)
    {
        V1.DeltaHeader wire;
        try
        {
            wire = V1.DeltaHeader.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw SyncException.Refused($"delta header is malformed: {e.Message}", e);
        }

        if (!DeltaHeader.IsReadable((int)Math.Min(wire.FormatVersion, int.MaxValue), wire.BaseGeneration == 0))
        {
            throw SyncException.Refused(wire.FormatVersion is > 0 and <= DeltaHeader.CurrentFormat
                ? $"delta header of format {wire.FormatVersion} for a full generation (a full generation's manifest is never a patch)"
                : $"delta header has format version {wire.FormatVersion}; this agent reads versions {DeltaHeader.SlicedManifestFormat} to {DeltaHeader.CurrentFormat} (upgrade it?)");
        }

        if (wire.StreamId.Length != StreamIdBytes)
        {
            throw SyncException.Refused($"delta header stream id is {wire.StreamId.Length} bytes, not {StreamIdBytes}");
        }

        var target = HeaderCount(wire.TargetGeneration, "target generation");
        if (target == 0)
        {
            throw SyncException.Refused("delta header has target generation 0");
        }

        var baseGeneration = HeaderCount(wire.BaseGeneration, "base generation");
        var baseDigest = WireDigest.Read(wire.BaseManifestDigest.Span, "delta header base manifest digest");
        if ((baseGeneration == 0) != baseDigest.IsEmpty)
        {
            throw SyncException.Refused($"delta header has base generation {baseGeneration} with {(baseDigest.IsEmpty ? "no" : "a")} base manifest digest");
        }

        if (baseGeneration >= target)
        {
            throw SyncException.Refused($"delta header base generation {baseGeneration} is not below its target generation {target}");
        }

        var manifestSize = HeaderCount(wire.TargetManifestSize, "target manifest size");
        if (manifestSize == 0)
        {
            throw SyncException.Refused("delta header announces an empty target manifest");
        }

        return new DeltaHeader(
            (int)wire.FormatVersion,
            wire.StreamId.ToByteArray(),
            target,
            WireDigest.ReadRequired(wire.TargetManifestDigest.Span, "delta header target manifest digest"),
            manifestSize,
            baseGeneration,
            baseDigest,
            FromUnixMs(wire.CreatedUnixMs, "delta header"),
            HeaderCount(wire.ContentCount, "content count"),
            HeaderCount(wire.PayloadBytes, "payload bytes"));
    }

    private static void CheckManifestFormat(uint format)
    {
        if (format != Manifest.FormatVersion)
        {
            throw SyncException.Refused($"manifest has format version {format}; this agent reads version {Manifest.FormatVersion} (upgrade it?)");
        }
    }

    private static DateTimeOffset FromUnixMs(long ms, string what)
    {
        if (ms < MinUnixMs || ms > MaxUnixMs)
        {
            throw SyncException.Refused($"{what} has an impossible creation time {ms}");
        }

        return DateTimeOffset.FromUnixTimeMilliseconds(ms);
    }

    private static long HeaderCount(ulong value, string what) =>
        value <= long.MaxValue ? (long)value : throw SyncException.Refused($"delta header {what} {value} out of range");

    /// <summary>A hostile path shortened and stripped of control characters, so a refusal stays one line.</summary>
    internal static string Printable(string path)
    {
        var shown = path.Length > 200 ? path[..200] + "..." : path;
        return string.Create(shown.Length, shown, static (span, source) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? '?' : source[i];
            }
        });
    }

    internal static ulong NonNegative(long value, string what) =>
        value >= 0 ? (ulong)value : throw new ArgumentOutOfRangeException(nameof(value), value, $"{what} must not be negative");

    internal static int Positive(int value, string what) =>
        value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, $"{what} must be positive");
}
