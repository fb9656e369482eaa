using Sync.Core.Delta;

namespace Sync.Core.Tests.Delta;

/// <summary>Signature, encode and apply in one place, with the invariants every delta must hold checked on the way.</summary>
internal static class DeltaTestKit
{
    public static BlockSignature Sign(byte[] content)
    {
        var builder = new SignatureBuilder(content.Length);
        builder.Append(content);
        return builder.Build();
    }

    /// <summary>The signature as the outside would have it: written to its store and read back.</summary>
    public static BlockSignature SignViaStore(byte[] content)
    {
        using var stored = new MemoryStream();
        Sign(content).WriteTo(stored);
        stored.Position = 0;
        return BlockSignature.ReadFrom(stored, content.Length);
    }

    /// <summary>Encodes, keeping private copies of literals (the encoder reuses its buffer after each emit).</summary>
    public static async Task<List<DeltaOp>> EncodeAsync(BlockSignature signature, Stream content)
    {
        var ops = new List<DeltaOp>();
        await DeltaEncoder.EncodeAsync(signature, content, (op, _) =>
        {
            ops.Add(op.IsCopy ? op : DeltaOp.Literal(op.Data.ToArray()));
            return ValueTask.CompletedTask;
        }, CancellationToken.None);
        return ops;
    }

    public static async Task<byte[]> ApplyAsync(byte[] baseContent, IEnumerable<DeltaOp> ops)
    {
        using var baseStream = new MemoryStream(baseContent, writable: false);
        using var output = new MemoryStream();
        var applier = new DeltaApplier(baseStream, output);
        foreach (var op in ops)
        {
            await applier.ApplyAsync(op, CancellationToken.None);
        }

        Assert.Equal(output.Length, applier.BytesWritten);
        return output.ToArray();
    }

    /// <summary>Old to new and back through the whole pipeline; asserts the result and the shape of the delta.</summary>
    public static async Task<DeltaResult> RoundTripAsync(byte[] oldContent, byte[] newContent)
    {
        var signature = SignViaStore(oldContent);
        var ops = await EncodeAsync(signature, new MemoryStream(newContent, writable: false));
        var rebuilt = await ApplyAsync(oldContent, ops);

        Assert.True(newContent.AsSpan().SequenceEqual(rebuilt), $"rebuilt content differs (old {oldContent.Length} bytes, new {newContent.Length} bytes, {ops.Count} ops)");
        CheckShape(ops, oldContent.Length);
        return new DeltaResult(ops, signature.BlockSize);
    }

    public static void CheckShape(List<DeltaOp> ops, long baseLength)
    {
        for (var i = 0; i < ops.Count; i++)
        {
            var op = ops[i];
            if (op.IsCopy)
            {
                Assert.InRange(op.Length, 1, DeltaEncoder.MaxCopyLength);
                Assert.InRange(op.BaseOffset, 0, baseLength - op.Length);
                if (i > 0 && ops[i - 1].IsCopy)
                {
                    var previous = ops[i - 1];
                    Assert.False(
                        previous.BaseOffset + previous.Length == op.BaseOffset && previous.Length + op.Length <= DeltaEncoder.MaxCopyLength,
                        $"ops {i - 1} and {i} copy adjacent base ranges and should have been merged");
                }
            }
            else
            {
                Assert.InRange(op.Data.Length, 1, DeltaEncoder.MaxLiteralLength);
            }
        }
    }

    public sealed record DeltaResult(List<DeltaOp> Ops, int BlockSize)
    {
        public long LiteralBytes => Ops.Where(op => !op.IsCopy).Sum(op => (long)op.Length);

        public long CopiedBytes => Ops.Where(op => op.IsCopy).Sum(op => (long)op.Length);

        public int Copies => Ops.Count(op => op.IsCopy);
    }
}
