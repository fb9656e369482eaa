using Google.Protobuf;
using Sync.Core;
using Sync.Core.Trust;
using Sync.Protocol;
using Sync.Transport.FileDrop.Internal;

namespace Sync.Transport.FileDrop;

/// <summary>
/// Lists the complete bundles of a drop folder: those with an index (parts still being copied, temporary
/// files and anything else are ignored). One damaged index is reported in its listing, never thrown, so
/// it cannot hide the good bundles next to it. Anyone may write into a drop folder, so an index is bounded in size
/// before it is read and its signature is checked before its content is parsed: a forged index costs what its bytes
/// cost, never an object per entry it claims.
/// </summary>
public sealed class BundleCatalog
{
    private BundleCatalog()
    {
    }

    /// <summary>Every *.index file of the folder, in name order (so by target generation); only indices a key of
    /// <paramref name="trust"/> signed are parsed.</summary>
    public static IReadOnlyList<BundleListing> Scan(string dropDirectory, TrustStore trust)
    {
        ArgumentNullException.ThrowIfNull(dropDirectory);
        ArgumentNullException.ThrowIfNull(trust);
        DropFolder.RequireExisting(dropDirectory);

        var paths = new List<string>();
        try
        {
            foreach (var path in Directory.EnumerateFiles(dropDirectory, "*" + BundleNames.IndexExtension, SearchOption.TopDirectoryOnly))
            {
                if (path.EndsWith(BundleNames.IndexExtension, StringComparison.Ordinal))
                {
                    paths.Add(path);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw SyncException.Storage($"cannot list drop folder '{dropDirectory}': {e.Message}", e);
        }

        paths.Sort(StringComparer.Ordinal);
        return paths.ConvertAll(path => Read(path, trust));
    }

    /// <summary>Reads one index file; problems (an untrusted or bad signature too) end up in <see cref="BundleListing.Error"/>.</summary>
    public static BundleListing Read(string indexPath, TrustStore trust)
    {
        ArgumentNullException.ThrowIfNull(indexPath);
        ArgumentNullException.ThrowIfNull(trust);
        var name = Path.GetFileName(indexPath);
        if (name.EndsWith(BundleNames.IndexExtension, StringComparison.Ordinal))
        {
            name = name[..^BundleNames.IndexExtension.Length];
        }

        try
        {
            return Parse(indexPath, name, ReadBytes(indexPath), trust);
        }
        catch (InvalidProtocolBufferException e)
        {
            // Caught before IOException, which it derives from.
            return Damaged(indexPath, name, $"the index is damaged: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Damaged(indexPath, name, $"cannot read the index: {e.Message}");
        }
        catch (SyncException e)
        {
            return Damaged(indexPath, name, e.Message) with { ErrorKind = e.Refusal == RefusalKind.Other ? RefusalKind.Damaged : e.Refusal };
        }
    }

    private static byte[] ReadBytes(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        if (stream.Length > IndexFile.MaxBytes)
        {
            throw SyncException.Refused($"the index is {stream.Length} bytes, more than an index can be ({IndexFile.MaxBytes})");
        }

        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    private static BundleListing Parse(string indexPath, string name, byte[] bytes, TrustStore trust)
    {
        // The envelope costs what its bytes cost; the index inside may claim millions of entries, so it is parsed only
        // once a trusted key is known to have signed it.
        var (envelope, payload, format) = IndexFile.Decode(bytes);
        trust.Verify(envelope, "the index");
        var index = Protocol.V1.BundleIndex.Parser.ParseFrom(payload.Span);
        if (index.FormatVersion != format)
        {
            throw SyncException.Refused(RefusalKind.UnsupportedFormat, $"the index has format version {index.FormatVersion}; this agent reads versions {IndexFile.LegacyFormatVersion} and {IndexFile.FormatVersion} (upgrade it?)");
        }

        if (index.Header is null)
        {
            throw SyncException.Refused("the index names no delta header");
        }

        var header = ProtobufWireCodec.Instance.ParseHeader(index.Header.Payload.Span);
        if (!index.BundleId.Span.SequenceEqual(header.StreamId))
        {
            throw SyncException.Refused("the index bundle id differs from its header's stream id");
        }

        var expected = BundleNames.For(header);
        if (!string.Equals(expected, name, StringComparison.Ordinal))
        {
            throw SyncException.Refused($"the index file name does not match its header (expected {BundleNames.Index(expected)}; renamed?)");
        }

        if (index.Parts.Count == 0)
        {
            throw SyncException.Refused("the index lists no parts");
        }

        var parts = new BundlePartInfo[index.Parts.Count];
        long total = 0;
        for (var i = 0; i < parts.Length; i++)
        {
            var part = index.Parts[i];
            var partName = BundleNames.Part(name, i + 1);
            if (!string.Equals(part.Name, partName, StringComparison.Ordinal))
            {
                throw SyncException.Refused($"the index names part {i + 1} '{part.Name}', expected '{partName}'");
            }

            if (part.Size == 0 || part.Size > long.MaxValue - (ulong)total)
            {
                throw SyncException.Refused($"the index gives part {BundleNames.PartLabel(i + 1)} an impossible size {part.Size}");
            }

            if (part.Checksum.Length != 16)
            {
                throw SyncException.Refused($"the index gives part {BundleNames.PartLabel(i + 1)} a checksum of {part.Checksum.Length} bytes, not 16");
            }

            total += (long)part.Size;
            parts[i] = new BundlePartInfo(partName, (long)part.Size, part.Checksum.ToByteArray());
        }

        if ((ulong)total != index.TotalBytes)
        {
            throw SyncException.Refused($"the index parts add up to {total} bytes, but it says {index.TotalBytes}");
        }

        return new BundleListing
        {
            IndexPath = indexPath,
            Name = name,
            Envelope = envelope,
            Header = ToDomain(index.Header),
            ClaimedHeader = header,
            NamedStreamPrefix = header.StreamIdHex[..12],
            Parts = parts,
            TotalBytes = total,
        };
    }

    private static SignedPayload ToDomain(Protocol.V1.Signed signed) =>
        new(signed.Payload.ToByteArray(), signed.KeyId.ToByteArray(), signed.Signature.ToByteArray());

    private static BundleListing Damaged(string indexPath, string name, string error) =>
        new() { IndexPath = indexPath, Name = name, Error = error, NamedStreamPrefix = BundleNames.StreamPrefixOf(name) };
}
