using System.Collections;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Core.Scanning;

namespace Sync.Core.Apt;

/// <summary>
/// The pool half of <see cref="AptConsistency"/>: each <c>Packages</c>/<c>Sources</c> index is parsed as it streams
/// from disk, hashed on the way, and each pool file it names is checked against the scan at once, so a 600,000-entry
/// mirror's 100 MB index costs neither its bytes nor a table of its 300,000 claims in memory. A pool file named by
/// several indices is checked once, for the first index that names it (suites share one pool). An index whose bytes
/// are not the ones the scan hashed is not trusted: what it named is forgotten and the change is the problem.
/// </summary>
internal sealed class PoolCheck
{
    private readonly string _root;
    private readonly Manifest _entries;
    private readonly ScanResult _scan;
    private readonly BitArray _checked;
    private readonly HashSet<string> _missing = new(StringComparer.Ordinal);
    private readonly List<(string Path, string Problem)> _problems = [];
    private int _checkedCount;

    public PoolCheck(string root, Manifest entries, ScanResult scan)
    {
        _root = root;
        _entries = entries;
        _scan = scan;
        _checked = new BitArray(entries.Entries.Count);
    }

    /// <summary>Distinct pool files checked (present or missing), as indices named them.</summary>
    public int Checked => _checkedCount + _missing.Count;

    /// <summary>The inconsistencies found in the pool, in path order.</summary>
    public IEnumerable<string> Problems() =>
        _problems.OrderBy(p => p.Path, StringComparer.Ordinal).Select(p => p.Problem);

    public void CheckIndex(string index, bool sources, List<string> problems, CancellationToken cancellationToken)
    {
        FileStream file;
        try
        {
            file = new FileStream(Path.Combine(_root, index), FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add($"{index} cannot be read: {e.Message}");
            return;
        }

        // What this index adds is kept apart until its bytes are proven to be the scanned ones.
        var marked = new List<int>();
        var missing = new List<string>();
        var found = new List<(string, string)>();
        string? undecodable = null;
        using var sha256 = SHA256.Create();
        using (file)
        using (var hashed = new CryptoStream(file, sha256, CryptoStreamMode.Read, leaveOpen: true))
        {
            try
            {
                try
                {
                    // Both leave the hashing stream open: it is read to the file's end below, for the hash of every byte.
                    using var gzip = index.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(hashed, CompressionMode.Decompress, leaveOpen: true) : null;
                    using var reader = new StreamReader((Stream?)gzip ?? hashed, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: -1, leaveOpen: true);
                    foreach (var claim in AptPoolIndex.Parse(reader, AptConsistency.ArchiveRoot(index), sources))
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        Check(claim, index, marked, missing, found);
                    }
                }
                catch (InvalidDataException e)
                {
                    undecodable = e.Message;
                }

                hashed.CopyTo(Stream.Null);
            }
            catch (IOException e)
            {
                problems.Add($"{index} cannot be read: {e.Message}");
                Forget(marked, missing);
                return;
            }
        }

        if (_scan.ContentSha256(index) is { } scanned && scanned != Digest.FromBytes(sha256.Hash!))
        {
            problems.Add($"{index} changed since the scan");
            Forget(marked, missing);
            return;
        }

        _problems.AddRange(found);
        if (undecodable is not null)
        {
            problems.Add($"{index} cannot be decompressed: {undecodable}");
        }
    }

    private void Check(AptFileClaim claim, string index, List<int> marked, List<string> missing, List<(string, string)> found)
    {
        var at = _entries.IndexOf(claim.Path);
        if (at < 0)
        {
            if (_missing.Add(claim.Path))
            {
                missing.Add(claim.Path);
                found.Add((claim.Path, $"{claim.Path} is missing but {index} names it"));
            }

            return;
        }

        if (_checked[at])
        {
            return;
        }

        _checked[at] = true;
        _checkedCount++;
        marked.Add(at);
        var outcome = AptConsistency.Compare(claim, _entries, _scan, _root);
        if (outcome is not (AptConsistency.Outcome.Matches or AptConsistency.Outcome.NotAFile))
        {
            found.Add((claim.Path, AptConsistency.Describe(outcome, claim, _entries.Entries[at], index)));
        }
    }

    private void Forget(List<int> marked, List<string> missing)
    {
        foreach (var at in marked)
        {
            _checked[at] = false;
        }

        _checkedCount -= marked.Count;
        _missing.ExceptWith(missing);
    }
}
