using System.Buffers.Binary;
using Sync.Core.Hashing;
using Sync.Core.Storage;

namespace Sync.Fuzz.Targets;

/// <summary>
/// The outside's signature pack (<c>signatures/signatures.pack</c>): <see cref="SignatureStore"/> indexes it on open,
/// and the exporter loads the block signature of a changed file's old content from it (<see cref="SignatureStore.TryLoad"/>),
/// which parses it with <see cref="Core.Delta.BlockSignature.ReadFrom"/>. A damaged signature is skipped, never thrown.
/// </summary>
internal sealed class SignatureStoreTarget : FuzzTarget
{
    public override string Name => "signature-store";

    public override string Decodes => "the outside's signatures.pack: SignatureStore open and TryLoad (BlockSignature.ReadFrom)";

    protected override Task ExerciseAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken)
    {
        var root = Scratch.WriteFresh("signatures", "signatures.pack", input);
        using var store = new SignatureStore(root);

        // Ask for every record the pack holds, with the base length each claims (what the exporter knows from the manifest).
        var span = input.Span;
        var offset = 0;
        while (offset + Digest.Size + 4 <= span.Length)
        {
            var digest = Digest.FromBytes(span.Slice(offset, Digest.Size));
            var size = BinaryPrimitives.ReadInt32LittleEndian(span[(offset + Digest.Size)..]);
            var body = offset + Digest.Size + 4;
            if (size <= 0 || size > span.Length - body)
            {
                break;
            }

            var baseLength = size >= 24 ? BinaryPrimitives.ReadInt64LittleEndian(span[(body + 16)..]) : 0;
            var signature = store.TryLoad(digest, Math.Max(0, baseLength));
            if (signature is not null && signature.BaseLength != Math.Max(0, baseLength))
            {
                throw new FuzzFinding("TryLoad returned a signature of another length than asked");
            }

            offset = body + size;
        }

        return Task.CompletedTask;
    }
}
