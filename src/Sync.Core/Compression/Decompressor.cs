using System.Buffers;
using System.IO.Compression;

namespace Sync.Core.Compression;

/// <summary>
/// Decompresses a whole .gz (every member) or .xz (every stream) file, for indices a repository ships only compressed:
/// both sides patch their plain text and compress it again. Output beyond <c>limit</c> bytes, or input that is not a
/// valid stream, fails with <see cref="InvalidDataException"/>. Streaming with pooled buffers; one call per stream.
/// </summary>
public static class Decompressor
{
    private const int BufferSize = 128 << 10;
    private const ulong XzMemoryLimit = 1UL << 30;

    /// <summary>The format a compressed index's name says, or null.</summary>
    public static CompressionFormat? FormatOf(string path) =>
        path.EndsWith(".gz", StringComparison.Ordinal) ? CompressionFormat.Gzip :
        path.EndsWith(".xz", StringComparison.Ordinal) ? CompressionFormat.Xz : null;

    /// <summary>Writes the plain text of <paramref name="input"/> to <paramref name="output"/>; returns its length.</summary>
    public static async Task<long> DecompressAsync(Stream input, CompressionFormat format, Stream output, long limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        if (format == CompressionFormat.Gzip)
        {
            // .NET's inflate reads concatenated members, as gzip -d does; inflating is the same whatever zlib wrote it.
            await using var gzip = new GZipStream(input, CompressionMode.Decompress, leaveOpen: true);
            return await CopyAsync(gzip, output, limit, cancellationToken).ConfigureAwait(false);
        }

        if (format != CompressionFormat.Xz)
        {
            throw new InvalidDataException($"cannot decompress format {format}");
        }

        var inBuffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var outBuffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            using var engine = CreateXzDecoder();
            long total = 0;
            while (true)
            {
                var read = await input.ReadAsync(inBuffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false);
                var finish = read == 0;
                var position = 0;
                bool done;
                do
                {
                    try
                    {
                        done = engine.Step(inBuffer.AsSpan(position, read - position), outBuffer.AsSpan(0, BufferSize), finish, out var consumed, out var produced);
                        position += consumed;
                        total += produced;
                        if (total > limit)
                        {
                            throw new InvalidDataException($"decompresses to more than {limit} bytes");
                        }

                        await output.WriteAsync(outBuffer.AsMemory(0, produced), cancellationToken).ConfigureAwait(false);
                        if (finish && !done && consumed == 0 && produced == 0)
                        {
                            throw new InvalidDataException("the .xz stream is truncated");
                        }
                    }
                    catch (CompressionUnavailableException e)
                    {
                        throw new InvalidDataException($"not a valid .xz stream ({e.Message})", e);
                    }
                }
                while (position < read || (finish && !done));

                if (finish)
                {
                    return total;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(inBuffer);
            ArrayPool<byte>.Shared.Return(outBuffer);
        }
    }

    private static XzEngine CreateXzDecoder()
    {
        try
        {
            return XzEngine.CreateDecoder(XzMemoryLimit);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            throw new CompressionUnavailableException($"the system compressor {LzmaNative.Library} cannot be loaded ({e.Message})", e);
        }
    }

    private static async Task<long> CopyAsync(Stream from, Stream to, long limit, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            long total = 0;
            int read;
            while ((read = await from.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
                if (total > limit)
                {
                    throw new InvalidDataException($"decompresses to more than {limit} bytes");
                }

                await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }

            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
