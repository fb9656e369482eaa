using Sync.Core.Chunking;

namespace Sync.Core.Export;

public sealed record ExportOptions
{
    /// <summary>Send a full generation that needs nothing on the inside.</summary>
    public bool Full { get; init; }

    /// <summary>Re-hash every source file instead of trusting the quick check.</summary>
    public bool Verify { get; init; }

    /// <summary>
    /// Files below a directory with one of these names never change in place (APT's pool/), so the outside
    /// keeps no block signature for them: renamed or copied ones are still found by digest.
    /// </summary>
    public IReadOnlyList<string> ImmutableDirectories { get; init; } = ["pool"];

    /// <summary>Files larger than this keep no block signature and travel as chunks when they change.</summary>
    public long MaxDeltaFileSize { get; init; } = 1L << 30;

    /// <summary>Smaller files travel whole when they change: a patch could save little, a signature costs a file.</summary>
    public long MinDeltaFileSize { get; init; } = 16 << 10;

    /// <summary>Check the APT chain (InRelease → indices → pool) after the scan and refuse an inconsistent tree (see <see cref="SourceGuard"/>).</summary>
    public bool ConsistencyCheck { get; init; } = true;

    /// <summary>How long an inconsistent tree is scanned again before it is refused (zero: refused at once).</summary>
    public TimeSpan ConsistencyWait { get; init; }

    /// <summary>How long to wait while reprepro holds a base's db/lockfile before giving up as busy.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromMinutes(10);

    public ChunkerOptions Chunker { get; init; } = ChunkerOptions.Default;

    /// <summary>
    /// Send a compressed index (`X.gz`, `X.xz`) whose plain `X` is in the tree as an instruction to rebuild it, once
    /// the system compressor has reproduced it here byte for byte (--no-recompress turns it off).
    /// </summary>
    public bool Recompress { get; init; } = true;

    /// <summary>
    /// The largest plain text an .xz index is rebuilt from on the inside (--recompress-max); a larger one travels as
    /// bytes. xz -9 of a 36 MB Packages takes about 26 s on each side, so a site whose link is fast can trade bytes for
    /// time; a .gz is always rebuilt (zlib takes half a second for the same file). The agents' default is 16 MB, which
    /// on a 100k-package mirror's day keeps the import quicker than rsync and the bundle below the floor
    /// (docs/benchmarks.md); the library's is no limit.
    /// </summary>
    public long RecompressMaxPlainBytes { get; init; } = long.MaxValue;

    /// <summary>
    /// Number the next generation above this one at least (0: no floor): the generation an inside publishes, given by
    /// the operator after the outside's state was lost or restored from an older backup, so that bundle and diode
    /// insides, which refuse any generation at or below theirs, accept what comes next.
    /// </summary>
    public long NumberAbove { get; init; }

    public bool WantsSignature(string path, long size)
    {
        if (size > MaxDeltaFileSize || size < MinDeltaFileSize)
        {
            return false;
        }

        foreach (var segment in path.Split('/')[..^1])
        {
            if (ImmutableDirectories.Contains(segment, StringComparer.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
