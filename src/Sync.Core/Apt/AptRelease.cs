using System.Globalization;
using System.Text;
using Sync.Core.Hashing;

namespace Sync.Core.Apt;

/// <summary>
/// The index list of an APT <c>Release</c> or <c>InRelease</c> file: each line of its <c>SHA256:</c> field, a path
/// relative to the file's directory with the size and hash the repository promises. An <c>InRelease</c> is read
/// through its clear-signed armour (the signature itself is content the outside does not judge).
/// </summary>
internal static class AptRelease
{
    public static IReadOnlyList<AptFileClaim> ParseSha256(ReadOnlySpan<byte> bytes, string directory)
    {
        var claims = new List<AptFileClaim>();
        var inField = false;
        foreach (var line in Deb822Lines(Encoding.UTF8.GetString(bytes)))
        {
            if (line.Length > 0 && !char.IsWhiteSpace(line[0]))
            {
                inField = line.StartsWith("SHA256:", StringComparison.OrdinalIgnoreCase);
                continue;
            }

            if (!inField)
            {
                continue;
            }

            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 3 && Digest.IsHex(parts[0].ToLowerInvariant()) &&
                long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size) && IsPlainRelative(parts[2]))
            {
                claims.Add(new AptFileClaim(Join(directory, parts[2]), size, Digest.Parse(parts[0])));
            }
        }

        return claims;
    }

    /// <summary>The lines of the signed text: a clear-signed message without its armour and dash-escaping, anything else as it is.</summary>
    internal static IEnumerable<string> Deb822Lines(string text)
    {
        using var reader = new StringReader(text);
        var first = reader.ReadLine();
        if (first is null)
        {
            yield break;
        }

        if (first.TrimEnd() != "-----BEGIN PGP SIGNED MESSAGE-----")
        {
            yield return first;
            while (reader.ReadLine() is { } line)
            {
                yield return line;
            }

            yield break;
        }

        // Armour headers (Hash: ...) end at the first empty line; the message ends where the signature begins.
        while (reader.ReadLine() is { } header && header.Trim().Length > 0)
        {
        }

        while (reader.ReadLine() is { } line && line.TrimEnd() != "-----BEGIN PGP SIGNATURE-----")
        {
            yield return line.StartsWith("- ", StringComparison.Ordinal) ? line[2..] : line;
        }
    }

    internal static bool IsPlainRelative(string path) =>
        path.Length > 0 && path[0] != '/' && !path.Split('/').Any(s => s is "" or "." or "..");

    internal static string Join(string directory, string path) => directory.Length == 0 ? path : directory + "/" + path;
}
