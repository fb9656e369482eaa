using Google.Protobuf;
using Sync.Core;
using Sync.Core.Hashing;
using Sync.Protocol;
using V1 = Sync.Protocol.V1;

namespace Sync.Protocol.Tests;

/// <summary>The recompress instruction on the wire: what a receiver refuses before it would compress anything.</summary>
public sealed class RecompressFrameTests
{
    private static V1.Recompress Valid() => new()
    {
        Digest = ByteString.CopyFrom(Digest.Compute([1]).ToArray()),
        SourceDigest = ByteString.CopyFrom(Digest.Compute([2]).ToArray()),
        Setting = new V1.CompressionSetting { Format = 3, Level = 6, XzCheck = 4, WindowBits = 15, MemLevel = 8 },
    };

    [Fact]
    public void A_valid_instruction_decodes_through_both_paths()
    {
        var body = new V1.Frame { Recompress = Valid() }.ToByteArray();
        var frame = Assert.IsType<Sync.Core.Streams.RecompressFrame>(FrameCodec.Decode(body));
        Assert.Equal(Digest.Compute([2]), frame.Source);
        Assert.Equal(frame, FrameCodec.FromWire(V1.Frame.Parser.ParseFrom(body)));
    }

    [Fact]
    public void A_plain_text_patched_instruction_has_its_own_kind_and_decodes_through_both_paths()
    {
        var plain = new Sync.Core.Streams.RecompressFrame(
            Digest.Compute([1]), Digest.Compute([2]), Sync.Core.Compression.CompressionSetting.Xz(9)) { PlainPatch = true };

        var body = FrameCodec.ToWire(plain).ToByteArray();
        var wire = V1.Frame.Parser.ParseFrom(body);

        // Field 8, not 7: a reader that knows only field 7 finds no body and refuses instead of compressing the wrong text.
        Assert.Equal(V1.Frame.BodyOneofCase.RecompressPatched, wire.BodyCase);
        Assert.Null(wire.Recompress);
        Assert.Equal(plain, FrameCodec.Decode(body));
        Assert.Equal(plain, FrameCodec.FromWire(wire));
        Assert.False(((Sync.Core.Streams.RecompressFrame)FrameCodec.Decode(FrameCodec.ToWire(plain with { PlainPatch = false }).ToByteArray())).PlainPatch);
    }

    [Theory]
    [InlineData("format", "unknown compression format")]
    [InlineData("level", "out of range")]
    [InlineData("check", "out of range")]
    [InlineData("window", "out of range")]
    [InlineData("huge", "out of range")]
    [InlineData("no-setting", "no setting")]
    [InlineData("self", "its own content")]
    [InlineData("short-digest", "digest")]
    [InlineData("name-nul", "NUL")]
    public void A_bad_instruction_is_refused_in_one_line(string what, string reason)
    {
        var wire = Valid();
        switch (what)
        {
            case "format": wire.Setting.Format = 9; break;
            case "level": wire.Setting.Level = 10; break;
            case "check": wire.Setting.XzCheck = 5; break;
            case "window": wire.Setting.Format = 1; wire.Setting.WindowBits = 16; break;
            case "huge": wire.Setting.MemLevel = uint.MaxValue; break;
            case "no-setting": wire.Setting = null; break;
            case "self": wire.SourceDigest = wire.Digest; break;
            case "short-digest": wire.SourceDigest = ByteString.CopyFrom(1, 2, 3); break;
            case "name-nul": wire.Setting.Format = 1; wire.Setting.GzipName = ByteString.CopyFrom(65, 0, 66); break;
        }

        foreach (var decode in new Func<byte[], object>[] { b => FrameCodec.Decode(b), b => FrameCodec.FromWire(V1.Frame.Parser.ParseFrom(b)) })
        {
            var e = Assert.Throws<SyncException>(() => decode(new V1.Frame { Recompress = wire }.ToByteArray()));
            Assert.Equal(SyncErrorKind.Refused, e.Kind);
            Assert.Contains(reason, e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
    }
}
