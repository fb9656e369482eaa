using System.Globalization;
using Sync.Core.Posix;
using Sync.Engine.Inside;
using Sync.Hosting;
using Sync.Transport.Grpc;

namespace Sync.Inside;

/// <summary>
/// What `sync-inside serve` tells the gRPC health service: NOT_SERVING while it cannot apply (another process holds
/// its state, the last apply failed for a reason of its own, or the disk has less free space than the last
/// generation took), SERVING otherwise. A refused input is no reason: the next good one applies.
/// </summary>
internal sealed class InsideServingState(string stateDirectory, string target) : IServingState
{
    public string? Problem()
    {
        if (StateLockHolder.Other(stateDirectory) is { } pid)
        {
            return $"another process (pid {pid}) holds the state directory '{stateDirectory}'";
        }

        if (InsideMetrics.LastFailure is { } failure)
        {
            return string.Create(CultureInfo.InvariantCulture, $"the last apply failed at {failure.At:u}{(failure.DiskFull ? " (disk full)" : string.Empty)}: {failure.Message}");
        }

        var needed = InsideMetrics.LastNeededBytes;
        if (needed > 0)
        {
            foreach (var folder in new[] { stateDirectory, Path.GetDirectoryName(Path.GetFullPath(target)) ?? "/" })
            {
                var free = FreeBytes(folder);
                if (free < needed)
                {
                    return $"{Units.Bytes(free)} free on the file system of '{folder}', less than the {Units.Bytes(needed)} the last generation took";
                }
            }
        }

        return null;
    }

    private static long FreeBytes(string folder)
    {
        try
        {
            return Posix.GetDiskSpace(folder).AvailableBytes;
        }
        catch (IOException)
        {
            return long.MaxValue; // gone or unreadable: the next apply says what is wrong
        }
    }
}
