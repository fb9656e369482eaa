using Google.Protobuf;
using Sync.Core;
using Sync.Core.Streams;
using Sync.Protocol;
using V1 = Sync.Protocol.V1;

namespace Sync.Protocol.Tests;

/// <summary>
/// Issue 9: one patch frame may not expand into millions of delta operations. The outside puts at most 8,192 in a
/// frame; the decoders refuse more than <see cref="PatchFrame.MaxOps"/> before allocating any.
/// </summary>
public sealed class PatchLimitsTests
{
    [Fact]
    public void A_16_MiB_patch_frame_of_4_byte_copies_is_refused_before_its_ops_are_allocated()
    {
        // Each op is "0A 02 10 01": a copy of 1 byte at offset 0. 4 million of them fill 16 MiB.
        var ops = (FrameCodec.MaxFrameBytes - 16) / 4;
        var patch = new byte[ops * 4];
        for (var i = 0; i < patch.Length; i += 4)
        {
            patch[i] = 0x0A;
            patch[i + 1] = 0x02;
            patch[i + 2] = 0x10;
            patch[i + 3] = 0x01;
        }

        var body = new V1.Frame { Patch = V1.PatchOps.Parser.ParseFrom(patch) }.ToByteArray();
        Assert.True(body.Length <= FrameCodec.MaxFrameBytes);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<SyncException>(() => FrameCodec.Decode(body));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(SyncErrorKind.Refused, e.Kind);
        Assert.Contains("operations", e.Message);
        Assert.True(allocated < 1 << 20, $"refusing it allocated {allocated} bytes");
    }

    [Fact]
    public void The_limit_is_the_same_for_a_frame_that_arrived_as_a_message()
    {
        var wire = new V1.PatchOps();
        for (var i = 0; i <= PatchFrame.MaxOps; i++)
        {
            wire.Ops.Add(new V1.PatchOp { CopyLength = 1 });
        }

        var e = Assert.Throws<SyncException>(() => FrameCodec.FromWire(new V1.Frame { Patch = wire }));
        Assert.Contains("operations", e.Message);

        wire.Ops.RemoveAt(0);
        var frame = Assert.IsType<PatchFrame>(FrameCodec.Decode(new V1.Frame { Patch = wire }.ToByteArray()));
        Assert.Equal(PatchFrame.MaxOps, frame.Ops.Count);
    }
}
