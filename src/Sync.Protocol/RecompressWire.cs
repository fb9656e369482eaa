using Google.Protobuf;
using Sync.Core;
using Sync.Core.Compression;
using Sync.Core.Streams;
using Sync.Protocol.Internal;

namespace Sync.Protocol;

/// <summary>
/// Maps a <see cref="RecompressFrame"/> to and from its wire message. It is rare and small (one per rebuilt index), so
/// it goes through the generated parser; every value is range-checked before the domain sees it. Stateless.
/// </summary>
internal static class RecompressWire
{
    public static V1.Recompress ToWire(RecompressFrame frame)
    {
        var s = frame.Setting;
        var setting = new V1.CompressionSetting
        {
            Format = (uint)s.Format,
            Level = (uint)s.Level,
            WindowBits = (uint)s.WindowBits,
            MemLevel = (uint)s.MemLevel,
            Strategy = (uint)s.Strategy,
            GzipMtime = s.GzipMtime,
            GzipExtraFlags = s.GzipExtraFlags,
            GzipOs = s.GzipOs,
            XzExtreme = s.Extreme,
            XzCheck = (uint)s.Check,
            EmptyStreamAfter = s.EmptyStreamAfter,
        };
        if (s.GzipName is not null)
        {
            setting.GzipName = ByteString.CopyFrom(s.GzipName);
        }

        return new V1.Recompress { Digest = WireDigest.ToByteString(frame.Digest), SourceDigest = WireDigest.ToByteString(frame.Source), Setting = setting };
    }

    public static RecompressFrame FromWire(V1.Recompress wire)
    {
        var w = wire.Setting ?? throw SyncException.Refused("recompress frame carries no setting");
        if (w.Format > 255 || w.Level > 255 || w.WindowBits > 255 || w.MemLevel > 255 || w.Strategy > 255 || w.GzipExtraFlags > 255 ||
            w.GzipOs > 255 || w.XzCheck > 255)
        {
            throw SyncException.Refused("recompress frame has a setting out of range");
        }

        var setting = new CompressionSetting
        {
            Format = (CompressionFormat)w.Format,
            Level = (int)w.Level,
            WindowBits = (int)w.WindowBits,
            MemLevel = (int)w.MemLevel,
            Strategy = (int)w.Strategy,
            GzipMtime = w.GzipMtime,
            GzipExtraFlags = (byte)w.GzipExtraFlags,
            GzipOs = (byte)w.GzipOs,
            GzipName = w.HasGzipName ? w.GzipName.ToByteArray() : null,
            Extreme = w.XzExtreme,
            Check = (int)w.XzCheck,
            EmptyStreamAfter = w.EmptyStreamAfter,
        };
        if (setting.Problem() is { } problem)
        {
            throw SyncException.Refused($"recompress frame has a setting this agent cannot use: {problem}");
        }

        var digest = WireDigest.ReadRequired(wire.Digest.Span, "recompressed content digest");
        var source = WireDigest.ReadRequired(wire.SourceDigest.Span, "recompress source digest");
        return digest == source
            ? throw SyncException.Refused("recompress frame names its own content as its source")
            : new RecompressFrame(digest, source, setting);
    }

    public static RecompressFrame Decode(ReadOnlySpan<byte> body)
    {
        try
        {
            return FromWire(V1.Recompress.Parser.ParseFrom(body));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw WireReader.Malformed($"recompress frame: {e.Message}");
        }
    }
}
