using System.Text.RegularExpressions;

namespace Sync.Core.Trust;

/// <summary>
/// One `--trust` value: `NAME=FILE`, or `FILE` alone, named after the file (outside-2026.key.pub is "outside-2026").
/// A value that names an existing file is always a file, so a path that happens to hold '=' still works.
/// </summary>
internal static partial class TrustSpec
{
    public static (string Name, string Path) Parse(string spec)
    {
        if (string.IsNullOrWhiteSpace(spec))
        {
            throw SyncException.Usage("--trust needs a public key file (FILE.pub or NAME=FILE.pub)");
        }

        var equals = spec.IndexOf('=', StringComparison.Ordinal);
        if (equals > 0 && !File.Exists(spec))
        {
            var name = spec[..equals];
            if (!ValidName().IsMatch(name))
            {
                throw SyncException.Usage($"--trust '{spec}': a key name is 1 to 64 letters, digits, '.', '_' or '-'");
            }

            return (name, spec[(equals + 1)..]);
        }

        return (NameOf(spec), spec);
    }

    private static string NameOf(string path)
    {
        var name = System.IO.Path.GetFileName(path);
        foreach (var suffix in new[] { ".pub", ".pem", ".key" })
        {
            if (name.Length > suffix.Length && name.EndsWith(suffix, StringComparison.Ordinal))
            {
                name = name[..^suffix.Length];
            }
        }

        return name;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex ValidName();
}
