using System.Globalization;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// What is this? The spool's share of a disk it usually shares with the published mirror, checked before a session
/// reserves a byte. A session may reserve only when (1) what the spool holds plus what it needs stays within the
/// budget (<see cref="UdpReceiveOptions.SpoolMaxBytes"/>, by default half the file system), and (2) the file system
/// still has that much free beyond a margin kept for everyone else (1 % of its size, 1 MiB..1 GiB). So the receiver
/// never asks <c>fallocate</c> for more than is free: on ext4 such a request takes every free block before it fails.
/// Owned by the decode loop.
/// </summary>
internal sealed class SpoolBudget
{
    private const long MinKeepFree = 1 << 20;
    private const long MaxKeepFree = 1L << 30;

    private readonly string _directory;

    public SpoolBudget(string directory, long? maxBytes)
    {
        _directory = directory;
        (long Total, long Available)? space = SpoolSpace.Query(directory);
        MaxBytes = maxBytes ?? (space is { } s ? s.Total / 2 : long.MaxValue);
        KeepFree = space is { } known ? Math.Clamp(known.Total / 100, MinKeepFree, MaxKeepFree) : MinKeepFree;
    }

    public long MaxBytes { get; }

    public long KeepFree { get; }

    /// <summary>What the spool holds on disk now (allocated blocks of every file in it).</summary>
    public long Used() => SpoolSpace.AllocatedBytesUnder(_directory);

    /// <summary>Null when <paramref name="need"/> more bytes may be reserved now; otherwise why not, in one line.</summary>
    public string? Check(long need)
    {
        long used = Used();
        if (need > MaxBytes - used)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"it needs {Mib(need)} of spool, and the spool holds {Mib(used)} of its {Mib(MaxBytes)} budget");
        }

        if (SpoolSpace.Query(_directory) is { } space && need > space.Available - KeepFree)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"it needs {Mib(need)} of spool, and the spool's file system has {Mib(space.Available)} free, {Mib(KeepFree)} of which stay free for others");
        }

        return null;
    }

    public static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:F1} MiB");
}
