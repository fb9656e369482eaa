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
/// Threading: <see cref="Prepare"/> and <see cref="Finish"/> touch the trees (which are not thread-safe) and run on the
/// receiver's thread; <see cref="RunAsync"/> only uses the handles Prepare opened, so several run at once on the thread
/// pool (<see cref="RecompressBatch"/>).
/// </summary>
internal static class RecompressStager
{
    /// <summary>Opens what one rebuild reads and writes: the source content, and a temporary object beside the final one.</summary>
    /// <remarks>With <paramref name="plainTemp"/> (a plain text <see cref="PlainPatchStager"/> built), that is the source, removed when the job ends.</remarks>
    internal static RecompressJob Prepare(ManifestEntry entry, RecompressFrame frame, ContentSources sources, string what, string? plainTemp = null)
    {
        var source = plainTemp is not null
            ? new ContentLocation(sources.Objects, plainTemp, IsPublished: false)
            : sources.FindContent(frame.Source)
                ?? throw SyncException.Refused($"{what}: '{entry.Path}' is to be rebuilt from content {frame.Source.ToShortHex()}, which the inside does not hold (wrong base?)");
        var temp = ContentSources.ObjectPath(entry.Digest) + ".part";
        sources.Objects.RemoveTree(temp);
        var job = new RecompressJob(entry, frame, source, temp) { PlainTemp = plainTemp };
        try
        {
            job.Input = source.Tree.OpenRead(source.Path);
            job.Output = sources.Objects.CreateFile(temp, ContentStager.ObjectMode);
            job.Result = sources.Objects.OpenRead(temp);
            return job;
        }
        catch
        {
            job.Dispose();
            sources.Objects.RemoveTree(temp);
            RemovePlain(job, sources.Objects);
            throw;
        }
    }

    /// <summary>Compresses the source into the temporary object and hashes the result; touches no tree.</summary>
    internal static async Task RunAsync(RecompressJob job, CancellationToken cancellationToken)
    {
        var entry = job.Entry;
        await using (var inputStream = new BufferedStream(new FileHandleStream(job.Input!, writable: false), 1 << 16))
        await using (var output = new BufferedStream(new FileHandleStream(job.Output!, writable: true), 1 << 16))
        {
            try
            {
                job.Complete = await Compressor.CompressAsync(inputStream, job.Frame.Setting, async (data, token) =>
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
                job.Unavailable = e.Message;
                return;
            }
        }

        if (job.Complete)
        {
            (job.Digest, _, job.Length) = await TreeScanner.HashAsync(job.Result!, entry.Size, progress: null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Renames a matching rebuild into place; otherwise removes it and refuses the generation.</summary>
    internal static void Finish(RecompressJob job, IDirectoryTree objects, string what)
    {
        job.Dispose();
        RemovePlain(job, objects);
        var entry = job.Entry;
        if (job.Unavailable is { } reason)
        {
            objects.DeleteFile(job.Temp);
            throw SyncException.Refused($"{what}: cannot rebuild '{entry.Path}' here ({reason}); nothing was published: export again with --no-recompress");
        }

        if (!job.Complete || job.Digest != entry.Digest || job.Length != entry.Size)
        {
            objects.DeleteFile(job.Temp);
            var local = job.Source.IsPublished
                ? $", or the published file it is made from ('{job.Source.Path}') was changed on the inside ('sync-inside repair' restores it)"
                : string.Empty;
            throw SyncException.Refused(
                $"{what}: '{entry.Path}' rebuilt with {job.Frame.Setting} does not match the signed manifest (this inside's compressor writes other bytes than the outside's{local}); nothing was published: export again with --no-recompress");
        }

        objects.Rename(job.Temp, objects, ContentSources.ObjectPath(entry.Digest));
    }

    /// <summary>Removes the plain text a patched rebuild was made from, if any.</summary>
    internal static void RemovePlain(RecompressJob job, IDirectoryTree objects)
    {
        if (job.PlainTemp is { } plain)
        {
            objects.RemoveTree(plain);
        }
    }
}
