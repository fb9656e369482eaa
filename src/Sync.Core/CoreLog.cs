using Microsoft.Extensions.Logging;
using Sync.Core.Compression;

namespace Sync.Core;

/// <summary>Every log message of the domain, with stable event ids (7000-7099; docs/architecture.md#logging).</summary>
internal static partial class CoreLog
{
    // Scanning: 7000-7009.
    [LoggerMessage(7000, LogLevel.Warning, "Reprepro holds {Lock}: not carried; the tree may be mid-update (export, push, send and serve wait for it and scan again)")]
    public static partial void LockNotCarried(ILogger logger, string @lock);

    [LoggerMessage(7001, LogLevel.Warning, "Skipping {Path}: not a regular file, directory or symlink")]
    public static partial void SkippedSpecialFile(ILogger logger, string path);

    // The consistency guard before an export: 7010-7029.
    [LoggerMessage(7010, LogLevel.Information, "Reprepro took {Lock} during the scan: waiting for it, then scanning again")]
    public static partial void LockTakenDuringScan(ILogger logger, string @lock);

    [LoggerMessage(7011, LogLevel.Information, "APT consistency not checked (--no-consistency-check)")]
    public static partial void ConsistencyNotChecked(ILogger logger);

    [LoggerMessage(7012, LogLevel.Information, "The source has no dists/*/Release or InRelease: not an APT repository, consistency not checked")]
    public static partial void NotAnAptRepository(ILogger logger);

    [LoggerMessage(7013, LogLevel.Information, "APT consistency: {Note}")]
    public static partial void ConsistencyNote(ILogger logger, string note);

    [LoggerMessage(7014, LogLevel.Information, "APT consistency checked: {Releases} Release files, {Indices} indices, {PoolFiles} pool files in {Milliseconds:F0} ms")]
    public static partial void ConsistencyChecked(ILogger logger, int releases, int indices, int poolFiles, double milliseconds);

    [LoggerMessage(7015, LogLevel.Debug, "APT inconsistency: {Problem}")]
    public static partial void Inconsistency(ILogger logger, string problem);

    [LoggerMessage(7016, LogLevel.Information, "Source not consistent yet ({Problem}); scanning again in {Seconds} s")]
    public static partial void NotConsistentYet(ILogger logger, string problem, double seconds);

    [LoggerMessage(7017, LogLevel.Information, "Reprepro holds {Lock}: waiting up to {Timeout} for it")]
    public static partial void WaitingForLock(ILogger logger, string @lock, string timeout);

    // Export planning: 7030-7049.
    [LoggerMessage(7030, LogLevel.Debug, "{Path}: patch of {PatchBytes} bytes instead of {ChunkBytes} bytes of chunks")]
    public static partial void PatchChosen(ILogger logger, string path, long patchBytes, long chunkBytes);

    [LoggerMessage(7031, LogLevel.Debug, "{Path}: not proven for recompression ({Reason})")]
    public static partial void RecompressNotProven(ILogger logger, string path, string reason);

    [LoggerMessage(7032, LogLevel.Debug, "{Path}: rebuilt on the inside from {Plain} with {Setting}")]
    public static partial void RecompressPlanned(ILogger logger, string path, string plain, CompressionSetting setting);

    [LoggerMessage(7033, LogLevel.Debug, "{Path}: no compressor setting reproduces it from {Plain}; sent as bytes")]
    public static partial void RecompressNotReproduced(ILogger logger, string path, string plain);

    // Receiving and applying: 7050-7059.
    [LoggerMessage(7050, LogLevel.Information, "Receiving {What}, signed by trusted key {Key}")]
    public static partial void Receiving(ILogger logger, string what, string key);

    [LoggerMessage(7051, LogLevel.Debug, "{Path}: rebuilt with {Setting}")]
    public static partial void Rebuilt(ILogger logger, string path, CompressionSetting setting);

    [LoggerMessage(7052, LogLevel.Warning, "The last verify found the published tree damaged: every file is checked before it is reused")]
    public static partial void PublishedTreeDamaged(ILogger logger);

    [LoggerMessage(7053, LogLevel.Warning, "Could not keep the staged data for a resume ({Reason}); it will be sent again")]
    public static partial void ResumeNotKept(ILogger logger, string reason);

    [LoggerMessage(7054, LogLevel.Warning, "Could not remove staged files yet ({Reason}); the next run will")]
    public static partial void StagingNotRemoved(ILogger logger, string reason);

    [LoggerMessage(7055, LogLevel.Warning, "Repairing {Path}: it no longer matches generation {Generation}")]
    public static partial void Repairing(ILogger logger, string path, long generation);

    // Publishing: 7060-7079.
    [LoggerMessage(7060, LogLevel.Warning, "Changed here since generation {Generation} was published: {Path}")]
    public static partial void ChangedHere(ILogger logger, long generation, string path);

    [LoggerMessage(7061, LogLevel.Warning, "Overwriting a local change: {Path}")]
    public static partial void OverwritingLocalChange(ILogger logger, string path);

    [LoggerMessage(7062, LogLevel.Warning, "Finishing the interrupted publish of generation {Generation}")]
    public static partial void FinishingInterruptedPublish(ILogger logger, long generation);

    [LoggerMessage(7063, LogLevel.Debug, "Published generation {Generation} at {Target}")]
    public static partial void Published(ILogger logger, long generation, string target);

    [LoggerMessage(7064, LogLevel.Debug, "Removed old snapshot {Snapshot}")]
    public static partial void SnapshotRemoved(ILogger logger, string snapshot);

    [LoggerMessage(7065, LogLevel.Debug, "Pool store: {Deleted} file(s) no kept snapshot names were deleted")]
    public static partial void PoolCollected(ILogger logger, int deleted);

    [LoggerMessage(7066, LogLevel.Warning, "Could not collect the pool store yet ({Reason}); the next publish will")]
    public static partial void PoolNotCollected(ILogger logger, string reason);
}
