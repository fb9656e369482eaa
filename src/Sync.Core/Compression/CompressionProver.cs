using System.Buffers;
using Sync.Core.Storage;

namespace Sync.Core.Compression;

/// <summary>
/// Finds the setting that reproduces a compressed file byte for byte from its plain text, trying the few settings the
/// repository tools use (reprepro, apt-ftparchive, dak, gzip -9n, xz), narrowed by what the file's own header says.
/// Each candidate's output is compared with the file as it is produced and dropped at the first differing byte, so a
/// wrong guess costs little. None reproduces it: null, and the file travels as bytes.
/// </summary>
public static class CompressionProver
{
    private const int HeaderBytes = 4096;

    /// <summary>The compressed file is compared a few bytes at a time and read again from the start per candidate.</summary>
    private const int ReadBufferBytes = 1 << 16;

    /// <summary>The setting that compresses <paramref name="plainPath"/> into exactly <paramref name="compressedPath"/>, or null.</summary>
    public static async Task<CompressionSetting?> ProveAsync(string plainPath, string compressedPath, CancellationToken cancellationToken)
    {
        await using var compressed = SequentialFile.OpenRead(compressedPath, ReadBufferBytes);
        var start = new byte[HeaderBytes];
        var startLength = await compressed.ReadAtLeastAsync(start, start.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        foreach (var candidate in Candidates(start.AsSpan(0, startLength)))
        {
            compressed.Position = 0;
            try
            {
                if (await ReproducesAsync(plainPath, candidate, compressed, cancellationToken).ConfigureAwait(false) is { } proven)
                {
                    return proven;
                }
            }
            catch (CompressionUnavailableException)
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>The settings worth trying for a compressed file that starts with <paramref name="start"/>, most likely first.</summary>
    public static IReadOnlyList<CompressionSetting> Candidates(ReadOnlySpan<byte> start)
    {
        if (GzipHeader.TryRead(start) is { } gzip)
        {
            // XFL says 2 for level 9 and 4 for level 1 (zlib and gzip alike); 0 leaves the other levels, 6 first (the default).
            int[] levels = gzip.ExtraFlags switch { 2 => [9], 4 => [1], _ => [6, 5, 7, 8, 4, 3, 2] };
            var list = new List<CompressionSetting>();
            foreach (var memLevel in (int[])[8, 9])
            {
                foreach (var level in levels)
                {
                    list.Add(new CompressionSetting
                    {
                        Format = CompressionFormat.Gzip, Level = level, MemLevel = memLevel, GzipMtime = gzip.Mtime, GzipExtraFlags = gzip.ExtraFlags,
                        GzipOs = gzip.Os, GzipName = gzip.Name,
                    });
                }
            }

            return list;
        }

        if (XzHeader.TryRead(start) is { } xz)
        {
            // The block header names the LZMA2 dictionary, which only one or two presets use; the stream header names the check.
            var list = new List<CompressionSetting>();
            foreach (var extreme in (bool[])[false, true])
            {
                for (var preset = 0; preset <= 9; preset++)
                {
                    if (XzHeader.PresetDictionarySize(preset) == xz.DictionarySize)
                    {
                        list.Add(CompressionSetting.Xz(preset, extreme, xz.Check));
                    }
                }
            }

            // 6 before 5 (same dictionary): the default of xz and apt.
            return [.. list.OrderBy(s => s.Extreme).ThenBy(s => s.Level == 6 ? 0 : 1)];
        }

        return [];
    }

    /// <summary>The candidate when it reproduces the file (with APT's empty stream after it when the file has one), else null.</summary>
    private static async Task<CompressionSetting?> ReproducesAsync(string plainPath, CompressionSetting candidate, Stream compressed, CancellationToken cancellationToken)
    {
        var expected = ArrayPool<byte>.Shared.Rent(128 << 10);
        try
        {
            await using var plain = SequentialFile.OpenRead(plainPath, ReadBufferBytes);
            var same = await Compressor.CompressAsync(plain, candidate, async (output, token) =>
            {
                var position = 0;
                while (position < output.Length)
                {
                    var length = Math.Min(expected.Length, output.Length - position);
                    var read = await compressed.ReadAtLeastAsync(expected.AsMemory(0, length), length, throwOnEndOfStream: false, token).ConfigureAwait(false);
                    if (read != length || !expected.AsSpan(0, length).SequenceEqual(output.Span.Slice(position, length)))
                    {
                        return false;
                    }

                    position += length;
                }

                return true;
            }, cancellationToken).ConfigureAwait(false);
            if (!same)
            {
                return null;
            }

            var rest = await compressed.ReadAtLeastAsync(expected.AsMemory(0, 1024), 1024, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (rest == 0)
            {
                return candidate;
            }

            var withEmpty = candidate with { EmptyStreamAfter = true };
            using var member = new MemoryStream();
            await Compressor.CompressAsync(Stream.Null, candidate, member, cancellationToken).ConfigureAwait(false);
            return member.GetBuffer().AsSpan(0, (int)member.Length).SequenceEqual(expected.AsSpan(0, rest)) ? withEmpty : null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(expected);
        }
    }
}
