using Sync.Core.Compression;
using Sync.Core.FileSystem;
using Sync.Core.Manifests;
using Sync.Core.Scanning;
using Sync.Core.Streams;

namespace Sync.Core.Apply;

/// <summary>
/// Stages a content the stream asks the inside to rebuild by compressing another it holds (a `Packages.xz` from its
/// `Packages`), with the same system compressor the outside proved the setting on. The result is re-chunked and
/// compared with the signed manifest like a patched content; a mismatch refuses the whole generation, so a compressor
/// that writes other bytes here than on the outside never publishes anything.
/// </summary>
internal static class RecompressStager
{
    internal static async Task BuildAsync(ManifestEntry entry, RecompressFrame frame, ContentSources sources, string what, CancellationToken cancellationToken)
    {
        var source = sources.FindContent(frame.Source)
            ?? throw SyncException.Refused($"{what}: '{entry.Path}' is to be rebuilt from content {frame.Source.ToShortHex()}, which the inside does not hold (wrong base?)");
        var final = ContentSources.ObjectPath(entry.Digest);
        var temp = final + ".part";
        sources.Objects.RemoveTree(temp);
        bool complete;
        try
        {
            using var input = source.Tree.OpenRead(source.Path);
            using var outputFile = sources.Objects.CreateFile(temp, ContentStager.ObjectMode);
            await using var inputStream = new BufferedStream(new FileHandleStream(input, writable: false), 1 << 16);
            await using var output = new BufferedStream(new FileHandleStream(outputFile, writable: true), 1 << 16);
            complete = await Compressor.CompressAsync(inputStream, frame.Setting, async (data, token) =>
            {
                // Bounded by the signed size: a setting that compresses worse than promised stops here, not at a full disk.
                if (output.Position + data.Length > entry.Size)
                {
                    return false;
                }

                await output.WriteAsync(data, token).ConfigureAwait(false);
                return true;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (CompressionUnavailableException e)
        {
            sources.Objects.DeleteFile(temp);
            throw SyncException.Refused($"{what}: cannot rebuild '{entry.Path}' here ({e.Message}); nothing was published: export again with --no-recompress");
        }

        var digest = Hashing.Digest.Empty;
        long length = -1;
        if (complete)
        {
            using var result = sources.Objects.OpenRead(temp);
            (digest, _, length) = await TreeScanner.HashAsync(result, entry.Size, progress: null, cancellationToken).ConfigureAwait(false);
        }

        if (digest != entry.Digest || length != entry.Size)
        {
            sources.Objects.DeleteFile(temp);
            var local = source.IsPublished ? $", or the published file it is made from ('{source.Path}') was changed on the inside ('sync-inside repair' restores it)" : string.Empty;
            throw SyncException.Refused(
                $"{what}: '{entry.Path}' rebuilt with {frame.Setting} does not match the signed manifest (this inside's compressor writes other bytes than the outside's{local}); nothing was published: export again with --no-recompress");
        }

        sources.Objects.Rename(temp, sources.Objects, final);
    }
}
