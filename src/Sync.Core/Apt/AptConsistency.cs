using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Core.Scanning;

namespace Sync.Core.Apt;

/// <summary>
/// What is this? The outside's check that a scanned tree is a repository apt can use as it stands, run after the scan
/// and before anything is signed: every suite's <c>InRelease</c>/<c>Release</c> lists indices whose size and SHA-256
/// match the files, and every pool file a verified <c>Packages</c> or <c>Sources</c> index names exists with the size
/// and SHA-256 the index gives. A tree caught in the middle of a reprepro update fails it. Hashes come from the scan
/// (<see cref="ScanResult.ContentSha256"/>), so the pool is not read again; only the Release files and the one index
/// variant parsed per index are read, and each is checked to be the bytes the scan saw.
/// A listed index that is absent is not an inconsistency (partial mirrors keep the upstream Release), nor is a suite
/// whose indices exist only as .xz/.bz2/.zst, nor a Release without a SHA256 field (notes say what was not checked). A tree without
/// <c>dists/*/(In)Release</c> is not an APT repository and is not checked. Called on the exporting command's task.
/// </summary>
public static class AptConsistency
{
    private static readonly string[] CompressionSuffixes = [".gz", ".xz", ".bz2", ".lzma", ".zst", ".lz4"];

    public static AptConsistencyReport Check(string root, ScanResult scan, CancellationToken cancellationToken)
    {
        // The scan's entries are in path order: found by bisection, with no index of 600,000 paths beside them.
        var entries = new Manifest(0, DateTimeOffset.UnixEpoch, scan.Entries);
        var releases = scan.Entries
            .Where(e => e.Kind == EntryKind.File && IsSuiteRelease(e.Path, entries))
            .Select(e => e.Path)
            .ToList();
        var problems = new List<string>();
        var notes = new List<string>();
        if (releases.Count == 0)
        {
            return new AptConsistencyReport(false, 0, 0, 0, problems, notes);
        }

        // Index (without compression suffix) -> its verified variants, and the Release that listed it.
        var indices = new SortedDictionary<string, (List<string> Variants, string ListedBy)>(StringComparer.Ordinal);
        var checkedIndices = 0;
        var absent = 0;
        foreach (var release in releases)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (ReadAsScanned(root, release, scan, problems) is not { } bytes)
            {
                continue;
            }

            var claims = AptRelease.ParseSha256(bytes, Parent(release));
            if (claims.Count == 0)
            {
                // Not a mid-update state (apt itself refuses such a Release): nothing here to check it against.
                notes.Add($"{release} lists no SHA256 sums: its indices were not checked");
                continue;
            }

            foreach (var claim in claims)
            {
                switch (Compare(claim, entries, scan, root))
                {
                    case Outcome.Absent:
                        absent++;
                        continue;
                    case Outcome.NotAFile:
                        continue;
                    case Outcome.Matches:
                        checkedIndices++;
                        break;
                    case var mismatch:
                        problems.Add(Describe(mismatch, claim, entries.Find(claim.Path)!, release));
                        continue;
                }

                var index = StripCompression(claim.Path);
                var name = index[(index.LastIndexOf('/') + 1)..];
                if (name is "Packages" or "Sources")
                {
                    if (!indices.TryGetValue(index, out var known))
                    {
                        indices[index] = known = ([], release);
                    }

                    if (!known.Variants.Contains(claim.Path))
                    {
                        known.Variants.Add(claim.Path);
                    }
                }
            }
        }

        if (absent > 0)
        {
            notes.Add($"{absent} index file(s) listed by a Release are absent (not an inconsistency: apt fetches another variant, a partial mirror lacks them)");
        }

        var pool = new PoolCheck(root, entries, scan);
        foreach (var (index, (variants, _)) in indices)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var readable = variants.FirstOrDefault(v => v == index) ?? variants.FirstOrDefault(v => v == index + ".gz");
            if (readable is null)
            {
                notes.Add($"{index}: only as {string.Join(", ", variants.Select(v => v[index.Length..]))}, which this check does not read: its pool files were not checked");
                continue;
            }

            pool.CheckIndex(readable, sources: index.EndsWith("Sources", StringComparison.Ordinal), problems, cancellationToken);
        }

        problems.AddRange(pool.Problems());
        return new AptConsistencyReport(true, releases.Count, checkedIndices, pool.Checked, problems, notes);
    }

    internal enum Outcome
    {
        Matches,
        Absent,
        NotAFile,
        Size,
        Sha256,
    }

    internal static Outcome Compare(AptFileClaim claim, Manifest entries, ScanResult scan, string root)
    {
        if (entries.Find(claim.Path) is not { } entry)
        {
            return Outcome.Absent;
        }

        if (entry.Kind != EntryKind.File)
        {
            return Outcome.NotAFile; // a symlink (e.g. a suite alias) or a directory: apt resolves it on the server, beyond this check
        }

        if (entry.Size != claim.Size)
        {
            return Outcome.Size;
        }

        if (claim.Sha256 is not { } expected)
        {
            return Outcome.Matches;
        }

        // The scan knows it unless it ran without content hashes; then this file is read once here.
        var actual = scan.ContentSha256(claim.Path) ?? HashFile(root, claim.Path);
        return actual == expected ? Outcome.Matches : Outcome.Sha256;
    }

    internal static string Describe(Outcome outcome, AptFileClaim claim, ManifestEntry entry, string listedBy) => outcome switch
    {
        Outcome.Size => $"{claim.Path} has {entry.Size} bytes but {listedBy} lists {claim.Size}",
        _ => $"{claim.Path} does not have the SHA256 {listedBy} lists",
    };

    /// <summary>The file's bytes, if they are still what the scan hashed (else the tree changed since, which is a problem too).</summary>
    private static byte[]? ReadAsScanned(string root, string path, ScanResult scan, List<string> problems)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(Path.Combine(root, path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add($"{path} cannot be read: {e.Message}");
            return null;
        }

        if (scan.ContentSha256(path) is { } scanned && scanned != Digest.Compute(bytes))
        {
            problems.Add($"{path} changed since the scan");
            return null;
        }

        return bytes;
    }

    private static Digest HashFile(string root, string path)
    {
        using var stream = File.OpenRead(Path.Combine(root, path));
        return Digest.FromBytes(System.Security.Cryptography.SHA256.HashData(stream));
    }

    /// <summary>A Release or InRelease below a dists/ directory with none above it there (a component's own Release is not a suite's).</summary>
    private static bool IsSuiteRelease(string path, Manifest entries)
    {
        if (!path.EndsWith("Release", StringComparison.Ordinal))
        {
            return false; // most entries: no need to split them
        }

        var segments = path.Split('/');
        var dists = Array.IndexOf(segments, "dists");
        if (segments[^1] is not ("Release" or "InRelease") || dists < 0 || segments.Length - dists < 3)
        {
            return false;
        }

        for (var end = dists + 2; end < segments.Length - 1; end++)
        {
            var above = string.Join('/', segments[..end]);
            if (entries.Find(above + "/Release") is not null || entries.Find(above + "/InRelease") is not null)
            {
                return false;
            }
        }

        return true;
    }

    internal static string ArchiveRoot(string path)
    {
        var segments = path.Split('/');
        return string.Join('/', segments[..Array.IndexOf(segments, "dists")]);
    }

    private static string Parent(string path) => path.LastIndexOf('/') is var slash and > 0 ? path[..slash] : string.Empty;

    private static string StripCompression(string path)
    {
        foreach (var suffix in CompressionSuffixes)
        {
            if (path.EndsWith(suffix, StringComparison.Ordinal))
            {
                return path[..^suffix.Length];
            }
        }

        return path;
    }
}
