using System.Buffers;
using System.IO.Hashing;

namespace Sync.Core.Compression;

/// <summary>
/// Compresses a stream with a <see cref="CompressionSetting"/> through the system zlib or liblzma, so both agents write
/// the same bytes the repository's own tools wrote. Streaming with pooled buffers; the output goes to a callback that
/// may stop it early (the prover does at the first differing byte). The native call runs synchronously per buffer on
/// the caller's thread; one call per stream.
/// </summary>
public static class Compressor
{
    private const int BufferSize = 128 << 10;

    /// <summary>
    /// Compresses <paramref name="input"/> to its end into <paramref name="output"/>, which returns false to stop.
    /// Returns true when the whole stream was written, false when the callback stopped it.
    /// </summary>
    /// <exception cref="CompressionUnavailableException">The system library is missing or refused the setting.</exception>
    public static async Task<bool> CompressAsync(
        Stream input, CompressionSetting setting, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask<bool>> output,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(setting);
        ArgumentNullException.ThrowIfNull(output);
        if (setting.Problem() is { } problem)
        {
            throw new CompressionUnavailableException($"compression setting refused: {problem}");
        }

        var gzip = setting.Format == CompressionFormat.Gzip;
        var crc = gzip ? new Crc32() : null;
        long length = 0;
        if (gzip && !await output(GzipHeader.Write(setting), cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        var inBuffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var outBuffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            using var engine = CreateEngine(setting);
            while (true)
            {
                var read = await input.ReadAsync(inBuffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false);
                var finish = read == 0;
                crc?.Append(inBuffer.AsSpan(0, read));
                length += read;
                var position = 0;
                bool done;
                do
                {
                    done = engine.Step(inBuffer.AsSpan(position, read - position), outBuffer.AsSpan(0, BufferSize), finish, out var consumed, out var produced);
                    position += consumed;
                    if (produced > 0 && !await output(outBuffer.AsMemory(0, produced), cancellationToken).ConfigureAwait(false))
                    {
                        return false;
                    }
                }
                while (position < read || (finish && !done));

                if (finish)
                {
                    break;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(inBuffer);
            ArrayPool<byte>.Shared.Return(outBuffer);
        }

        if (gzip && !await output(GzipHeader.Trailer(crc!.GetCurrentHashAsUInt32(), length), cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        return !setting.EmptyStreamAfter ||
            await CompressAsync(Stream.Null, setting with { EmptyStreamAfter = false }, output, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Compresses a stream into another.</summary>
    public static Task CompressAsync(Stream input, CompressionSetting setting, Stream destination, CancellationToken cancellationToken) =>
        CompressAsync(input, setting, async (data, ct) =>
        {
            await destination.WriteAsync(data, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    private static ICompressionEngine CreateEngine(CompressionSetting setting)
    {
        try
        {
            return setting.Format == CompressionFormat.Xz ? XzEngine.Create(setting) : DeflateEngine.Create(setting);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            var library = setting.Format == CompressionFormat.Xz ? LzmaNative.Library : ZlibNative.Library;
            throw new CompressionUnavailableException($"the system compressor {library} cannot be loaded ({e.Message})", e);
        }
    }
}
