using System.Buffers.Binary;
using Sync.Core;
using Sync.Core.Delta;
using Sync.Core.Streams;
using Sync.Protocol;

namespace Sync.Fuzz.Targets;

/// <summary>
/// A patch frame (copy/literal operations) decoded and applied the way the inside rebuilds a file changed in place:
/// each op is checked against the file's signed size before <see cref="DeltaApplier"/> writes it, over a fixed
/// 64 KiB base. Input: a 2-byte file size in units of 16 bytes, then the frame body.
/// </summary>
internal sealed class PatchTarget : FuzzTarget
{
    public const int BaseBytes = 64 << 10;

    private static readonly byte[] Base = MakeBase();

    public override string Name => "patch";

    public override string Decodes => "a patch frame: FrameCodec.Decode of the operations, then DeltaApplier against a 64 KiB base within the file's size";

    protected override async Task ExerciseAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken)
    {
        if (input.Length < 2)
        {
            return;
        }

        long size = BinaryPrimitives.ReadUInt16LittleEndian(input.Span) * 16L;
        if (FrameCodec.Decode(input[2..]) is not PatchFrame patch)
        {
            return;
        }

        using var baseStream = new MemoryStream(Base, writable: false);
        using var output = new CountingStream();
        var applier = new DeltaApplier(baseStream, output);
        foreach (var op in patch.Ops)
        {
            // The receiver's check (GenerationReceiver.BuildFromPatchAsync): nothing is written past the signed size.
            if (output.Position + (op.IsCopy ? op.Length : op.Data.Length) > size)
            {
                throw SyncException.Refused("patch grows past the file's signed size");
            }

            await applier.ApplyAsync(op, cancellationToken).ConfigureAwait(false);
        }

        if (applier.BytesWritten != output.Position)
        {
            throw new FuzzFinding($"DeltaApplier says it wrote {applier.BytesWritten} bytes, the output holds {output.Position}");
        }
    }

    private static byte[] MakeBase()
    {
        var bytes = new byte[BaseBytes];
        new Random(9).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A write-only sink that keeps only its length, so a large output costs no memory.</summary>
    private sealed class CountingStream : Stream
    {
        private long _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position
        {
            get => _length;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => _length += count;

        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _length += buffer.Length;
            return ValueTask.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
