using Sync.Core.Streams;
using Sync.Transport.FileDrop;

namespace Sync.Fuzz.Targets;

/// <summary>
/// A whole bundle in a drop folder, index and parts, read the way the importer reads it: list and verify the index,
/// check every part is present with its size, then read the frame stream through <see cref="BundleReader"/> (part
/// checksums, the header the index names, nothing after the end frame). Input: the name (2-byte length, then the
/// name), the index (4-byte length, then its bytes), then the parts' bytes back to back, cut where the index says.
/// </summary>
internal sealed class BundleTarget : FuzzTarget
{
    public override string Name => "bundle";

    public override string Decodes => "a bundle (index and parts): BundleCatalog, BundleReader.CheckPartsPresent, then every frame through BundleReader";

    protected override async Task ExerciseAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken)
    {
        var cursor = new InputCursor(input);
        var name = BundleIndexTarget.SafeName(cursor.ReadPiece16().Span);
        var index = cursor.ReadPiece32();
        var drop = Scratch.WriteFresh("drop", name + ".index", index);
        var indexPath = Path.Combine(drop, name + ".index");
        var listing = BundleCatalog.Read(indexPath, FuzzKeys.Trust);
        BundleIndexTarget.Inspect(listing, name);
        if (!listing.IsValid)
        {
            return;
        }

        // Cut the rest into the parts the index names; a short input leaves the last parts short or missing.
        var data = cursor.Rest;
        foreach (var part in listing.Parts)
        {
            if (data.IsEmpty)
            {
                break;
            }

            var take = (int)Math.Min(part.Size, data.Length);
            File.WriteAllBytes(Path.Combine(drop, part.Name), data[..take].ToArray());
            data = data[take..];
        }

        await using var reader = BundleReader.Open(listing, drop);
        reader.CheckPartsPresent();
        DeltaFrame? frame;
        var sawEnd = false;
        while ((frame = await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) is not null)
        {
            sawEnd = frame is EndFrame;
        }

        if (!sawEnd)
        {
            throw new FuzzFinding("BundleReader ended a bundle without its end frame and without a refusal");
        }
    }
}
