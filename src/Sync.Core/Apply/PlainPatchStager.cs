using Sync.Core.Compression;
using Sync.Core.Delta;
using Sync.Core.FileSystem;
using Sync.Core.Manifests;
using Sync.Core.Streams;

namespace Sync.Core.Apply;

/// <summary>
/// For an index a repository ships only compressed (a <see cref="RecompressFrame"/> with <c>PlainPatch</c>): decompresses
/// the older compressed content the inside holds, applies the patch frames that follow to its plain text, and leaves
/// the new plain text as a temporary object for <see cref="RecompressStager"/> to compress and check against the
/// signed manifest. Runs on the receiver's thread (it reads the stream and the trees).
/// </summary>
internal static class PlainPatchStager
{
    /// <summary>Plain text may be at most this many times the compressed file's signed size (and at least 1 GiB).</summary>
    private const long MaxExpansion = 64;

    /// <summary>Builds the plain text; returns its temporary object's name in the objects tree.</summary>
    internal static async Task<string> BuildAsync(
        ManifestEntry entry, RecompressFrame frame, PeekingFrameSource reader, ContentSources sources, string what, CancellationToken cancellationToken)
    {
        var source = sources.FindContent(frame.Source)
            ?? throw SyncException.Refused($"{what}: '{entry.Path}' is to be rebuilt from the plain text of content {frame.Source.ToShortHex()}, which the inside does not hold (wrong base?)");
        var format = frame.Setting.Format == CompressionFormat.Xz ? CompressionFormat.Xz : CompressionFormat.Gzip;
        var limit = Math.Max(1L << 30, entry.Size * MaxExpansion);
        var name = ContentSources.ObjectPath(entry.Digest);
        var basePlain = name + ".base.part";
        var plain = name + ".plain.part";
        sources.Objects.RemoveTree(basePlain);
        sources.Objects.RemoveTree(plain);
        try
        {
            using (var input = source.Tree.OpenRead(source.Path))
            using (var baseFile = sources.Objects.CreateFile(basePlain, ContentStager.ObjectMode))
            await using (var inputStream = new BufferedStream(new FileHandleStream(input, writable: false), 1 << 16))
            await using (var output = new BufferedStream(new FileHandleStream(baseFile, writable: true), 1 << 16))
            {
                try
                {
                    await Decompressor.DecompressAsync(inputStream, format, output, limit, cancellationToken).ConfigureAwait(false);
                }
                catch (InvalidDataException e)
                {
                    throw SyncException.Refused($"{what}: the held content '{entry.Path}' is patched from cannot be decompressed ({e.Message}); nothing was published: export again with --no-recompress");
                }
            }

            using (var baseFile = sources.Objects.OpenRead(basePlain))
            using (var plainFile = sources.Objects.CreateFile(plain, ContentStager.ObjectMode))
            await using (var baseStream = new BufferedStream(new FileHandleStream(baseFile, writable: false), 1 << 16))
            await using (var output = new BufferedStream(new FileHandleStream(plainFile, writable: true), 1 << 16))
            {
                var applier = new DeltaApplier(baseStream, output);
                while (true)
                {
                    if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) is not PatchFrame patch)
                    {
                        throw SyncException.Refused($"{what}: plain-text patch for '{entry.Path}' is truncated");
                    }

                    foreach (var op in patch.Ops)
                    {
                        if (output.Position + (op.IsCopy ? op.Length : op.Data.Length) > limit)
                        {
                            throw SyncException.Refused($"{what}: plain-text patch for '{entry.Path}' grows past {limit} bytes");
                        }

                        await applier.ApplyAsync(op, cancellationToken).ConfigureAwait(false);
                    }

                    if (patch.Last)
                    {
                        break;
                    }
                }
            }

            return plain;
        }
        catch
        {
            sources.Objects.RemoveTree(plain);
            throw;
        }
        finally
        {
            sources.Objects.RemoveTree(basePlain);
        }
    }

    /// <summary>Reads past the patch frames of a content kept from a cut receive.</summary>
    internal static async Task SkipAsync(ManifestEntry entry, PeekingFrameSource reader, string what, CancellationToken cancellationToken)
    {
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) is PatchFrame patch)
        {
            if (patch.Last)
            {
                return;
            }
        }

        throw SyncException.Refused($"{what}: plain-text patch for '{entry.Path}' is truncated");
    }
}
