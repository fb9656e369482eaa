namespace Sync.Core.Posix;

/// <summary>
/// What statvfs says of a file system: bytes an unprivileged writer may still use (f_bavail × f_frsize, so the
/// blocks ext4 keeps for root are not counted) and its size.
/// </summary>
public readonly record struct DiskSpace(long AvailableBytes, long TotalBytes)
{
    /// <summary>
    /// What every reservation leaves free for the other writers of the disk (the web server that serves the mirror,
    /// logs, our own journal): 1/64 of the file system, at most 1 GiB.
    /// </summary>
    public long SafetyMargin => Math.Min(TotalBytes / 64, 1L << 30);

    /// <summary>Bytes a reservation may take: the available space less the safety margin.</summary>
    public long Reservable => Math.Max(0, AvailableBytes - SafetyMargin);
}
