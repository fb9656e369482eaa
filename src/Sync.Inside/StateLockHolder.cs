using System.Globalization;
using Sync.Core.Posix;

namespace Sync.Inside;

/// <summary>
/// Which other process holds the state directory's <c>inside.lock</c>, read from <c>/proc/locks</c> without touching
/// the lock (taking it to see would make a sync that starts at that instant find the state busy). The lock is a
/// flock: the kernel drops it when its holder dies, so only a live process (a long import, a hung one) can hold it.
/// </summary>
internal static class StateLockHolder
{
    /// <summary>The holder's pid when a process other than this one holds the lock; null otherwise or when unknown.</summary>
    public static int? Other(string stateDirectory)
    {
        if (Posix.TryLStat(Path.Combine(stateDirectory, "inside.lock")) is not { } lockFile)
        {
            return null;
        }

        string[] lines;
        try
        {
            lines = File.ReadAllLines("/proc/locks");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var inode = lockFile.Inode.ToString(CultureInfo.InvariantCulture);
        foreach (var line in lines)
        {
            // "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"; a "->" line is a waiter, not a holder.
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 6 && fields[1] == "FLOCK" && fields[5].EndsWith(":" + inode, StringComparison.Ordinal) &&
                int.TryParse(fields[4], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid != Environment.ProcessId)
            {
                return pid;
            }
        }

        return null;
    }
}
