using System.Security.Cryptography;

namespace Sync.Integration.Tests.Infrastructure;

/// <summary>
/// Reads a published repository the way an apt client does, over and over, while generations are applied:
/// InRelease, then the Packages index it names (checked against InRelease), then every pool file the index
/// names (checked against the index). A pass whose InRelease changed between its first and last read
/// straddled a publish and is retried, exactly as apt retries; any other mismatch or missing file is a failure.
/// </summary>
public sealed class AptReader
{
    private readonly string _root;

    public AptReader(string root) => _root = root;

    public int ConsistentPasses { get; private set; }

    public int StraddledPasses { get; private set; }

    public List<string> Failures { get; } = [];

    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var failure = Pass(out var straddled);
            if (straddled)
            {
                StraddledPasses++;
            }
            else if (failure is null)
            {
                ConsistentPasses++;
            }
            else
            {
                Failures.Add(failure);
            }

            await Task.Yield();
        }
    }

    private string? Pass(out bool straddled)
    {
        straddled = false;
        var inReleasePath = Path.Combine(_root, "dists/sample/InRelease");
        byte[] first;
        try
        {
            first = File.ReadAllBytes(inReleasePath);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Directory.Exists(_root) ? $"InRelease missing: {e.Message}" : null;
        }

        var problem = CheckAgainst(first);
        byte[] last;
        try
        {
            last = File.ReadAllBytes(inReleasePath);
        }
        catch (IOException e)
        {
            return $"InRelease vanished: {e.Message}";
        }

        straddled = !first.AsSpan().SequenceEqual(last);
        return straddled ? null : problem;
    }

    private string? CheckAgainst(byte[] inRelease)
    {
        var sums = ParseSha256Section(System.Text.Encoding.UTF8.GetString(inRelease));
        const string index = "main/binary-amd64/Packages";
        if (!sums.TryGetValue(index, out var expected))
        {
            return "InRelease names no Packages index";
        }

        byte[] packages;
        try
        {
            packages = File.ReadAllBytes(Path.Combine(_root, "dists/sample", index));
        }
        catch (IOException e)
        {
            return $"File not found: Packages ({e.Message})";
        }

        if (Convert.ToHexStringLower(SHA256.HashData(packages)) != expected.Hash || packages.Length != expected.Size)
        {
            return "Hash Sum mismatch: Packages";
        }

        foreach (var (file, size, hash) in ParsePackages(System.Text.Encoding.UTF8.GetString(packages)))
        {
            byte[] deb;
            try
            {
                deb = File.ReadAllBytes(Path.Combine(_root, file));
            }
            catch (IOException)
            {
                return $"File not found: {file}";
            }

            if (deb.Length != size || Convert.ToHexStringLower(SHA256.HashData(deb)) != hash)
            {
                return $"Hash Sum mismatch: {file}";
            }
        }

        return null;
    }

    private static Dictionary<string, (string Hash, long Size)> ParseSha256Section(string text)
    {
        var result = new Dictionary<string, (string, long)>(StringComparer.Ordinal);
        var inSection = false;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("SHA256:", StringComparison.Ordinal))
            {
                inSection = true;
                continue;
            }

            if (inSection && line.StartsWith(' '))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                result[parts[2]] = (parts[0], long.Parse(parts[1]));
            }
            else if (inSection)
            {
                inSection = false;
            }
        }

        return result;
    }

    private static IEnumerable<(string File, long Size, string Hash)> ParsePackages(string text)
    {
        foreach (var stanza in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string? file = null, hash = null;
            long size = -1;
            foreach (var line in stanza.Split('\n'))
            {
                if (line.StartsWith("Filename: ", StringComparison.Ordinal))
                {
                    file = line[10..].Trim();
                }
                else if (line.StartsWith("Size: ", StringComparison.Ordinal))
                {
                    size = long.Parse(line[6..].Trim());
                }
                else if (line.StartsWith("SHA256: ", StringComparison.Ordinal))
                {
                    hash = line[8..].Trim();
                }
            }

            if (file is not null && hash is not null)
            {
                yield return (file, size, hash);
            }
        }
    }
}
