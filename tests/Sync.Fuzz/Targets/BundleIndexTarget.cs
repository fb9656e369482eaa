using System.Text;
using Sync.Transport.FileDrop;

namespace Sync.Fuzz.Targets;

/// <summary>
/// A bundle index file as the inside finds it in a drop folder: <see cref="BundleCatalog"/> reads it (size bound,
/// signature, index, header, part list), then the inside verifies its header as the importer does. Input: the file
/// name (a 2-byte length, then the name without ".index"), then the file's bytes.
/// </summary>
internal sealed class BundleIndexTarget : FuzzTarget
{
    public override string Name => "bundle-index";

    public override string Decodes => "a bundle index file: BundleCatalog.Read with the trust store, then the header as DropImporter checks it";

    protected override Task ExerciseAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken)
    {
        var cursor = new InputCursor(input);
        var name = SafeName(cursor.ReadPiece16().Span);
        var path = Path.Combine(Scratch.WriteFresh("drop", name + ".index", cursor.Rest), name + ".index");
        Inspect(BundleCatalog.Read(path, FuzzKeys.Trust), name);
        return Task.CompletedTask;
    }

    /// <summary>What the importer does with a listing before it reads a part; shared with the bundle target.</summary>
    public static void Inspect(BundleListing listing, string name)
    {
        if (!listing.IsValid)
        {
            if (string.IsNullOrEmpty(listing.Error) || listing.Error.Contains('\n', StringComparison.Ordinal))
            {
                throw new FuzzFinding($"a refused index of {name} must say why in one line, said '{listing.Error}'");
            }

            return;
        }

        var header = Protocol.ProtobufWireCodec.Instance.ParseHeader(FuzzKeys.Trust.Verify(listing.Header, $"bundle {name}"));
        if (header.TargetGeneration != listing.ClaimedHeader.TargetGeneration || listing.Parts.Count == 0 ||
            listing.Parts.Sum(p => p.Size) != listing.TotalBytes)
        {
            throw new FuzzFinding("an accepted index disagrees with itself");
        }
    }

    /// <summary>A file name the input proposes, made safe to create (no separators, not empty, at most 64 characters).</summary>
    public static string SafeName(ReadOnlySpan<byte> bytes)
    {
        var builder = new StringBuilder(bytes.Length);
        foreach (var b in bytes[..Math.Min(bytes.Length, 64)])
        {
            builder.Append(b is >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'-' ? (char)b : '_');
        }

        return builder.Length == 0 ? "sync-g00000001-b00000000-000000000000" : builder.ToString();
    }
}
