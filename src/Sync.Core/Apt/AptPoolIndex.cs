using System.Globalization;
using Sync.Core.Hashing;

namespace Sync.Core.Apt;

/// <summary>
/// The pool files a <c>Packages</c> or <c>Sources</c> index names, with the size and SHA-256 it gives each: for a
/// package, its <c>Filename</c>, <c>Size</c> and <c>SHA256</c>; for a source package, each line of
/// <c>Checksums-Sha256</c> under its <c>Directory</c>. Paths are from the archive root (the directory holding dists/).
/// </summary>
internal static class AptPoolIndex
{
    public static IEnumerable<AptFileClaim> Parse(TextReader reader, string archiveRoot, bool sources)
    {
        string? filename = null, directory = null;
        var field = Field.Other;
        long size = -1;
        Digest? sha256 = null;
        var files = new List<(string Name, long Size, Digest Sha256)>();
        var hash = new byte[Digest.Size];
        while (true)
        {
            var line = reader.ReadLine();
            if (line is null || line.Trim().Length == 0)
            {
                if (!sources && filename is not null && size >= 0 && AptRelease.IsPlainRelative(filename))
                {
                    yield return new AptFileClaim(AptRelease.Join(archiveRoot, filename), size, sha256);
                }

                if (sources && directory is not null && AptRelease.IsPlainRelative(directory))
                {
                    foreach (var file in files.Where(f => AptRelease.IsPlainRelative(f.Name)))
                    {
                        yield return new AptFileClaim(AptRelease.Join(archiveRoot, directory + "/" + file.Name), file.Size, file.Sha256);
                    }
                }

                if (line is null)
                {
                    yield break;
                }

                (filename, directory, field, size, sha256) = (null, null, Field.Other, -1, null);
                files.Clear();
                continue;
            }

            if (char.IsWhiteSpace(line[0]))
            {
                // Continuation lines are mostly long descriptions: only a source's checksum list is split.
                if (field == Field.ChecksumsSha256)
                {
                    var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                    if (parts.Length == 3 && Digest.IsHex(parts[0].ToLowerInvariant()) &&
                        long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var fileSize))
                    {
                        files.Add((parts[2], fileSize, Digest.Parse(parts[0])));
                    }
                }

                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var name = line.AsSpan(0, colon);
            field = name.Equals("Filename", StringComparison.OrdinalIgnoreCase) ? Field.Filename
                : name.Equals("Directory", StringComparison.OrdinalIgnoreCase) ? Field.Directory
                : name.Equals("Size", StringComparison.OrdinalIgnoreCase) ? Field.Size
                : name.Equals("SHA256", StringComparison.OrdinalIgnoreCase) ? Field.Sha256
                : name.Equals("Checksums-Sha256", StringComparison.OrdinalIgnoreCase) ? Field.ChecksumsSha256
                : Field.Other;
            if (field is Field.Other or Field.ChecksumsSha256)
            {
                continue;
            }

            var value = line.AsSpan(colon + 1).Trim();
            switch (field)
            {
                case Field.Filename:
                    filename = value.ToString();
                    break;
                case Field.Directory:
                    directory = value.ToString();
                    break;
                case Field.Size when long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed):
                    size = parsed;
                    break;
                case Field.Sha256 when Convert.FromHexString(value, hash, out _, out var written) == System.Buffers.OperationStatus.Done && written == Digest.Size:
                    sha256 = Digest.FromBytes(hash);
                    break;
            }
        }
    }

    private enum Field
    {
        Other,
        Filename,
        Directory,
        Size,
        Sha256,
        ChecksumsSha256,
    }
}
