using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// The receiver's spool directory: one folder per session (<c>session-&lt;id in hex&gt;</c>), and the expiry of the
/// folders of sessions that stopped arriving. Other names in the directory are left alone. Used by the decode loop.
/// </summary>
internal sealed class SpoolFolders(string spoolDirectory, TimeSpan maxAge, TimeProvider time, ILogger logger)
{
    private const string Prefix = "session-";
    private static readonly TimeSpan ExpiryCheckInterval = TimeSpan.FromHours(1);

    private long _lastExpiryCheck;

    /// <summary>Whether an hour has passed since the last <see cref="ExpireStale"/>.</summary>
    public bool ExpiryDue => time.GetElapsedTime(_lastExpiryCheck) >= ExpiryCheckInterval;

    public string DirectoryOf(ulong id) => Path.Combine(spoolDirectory, $"{Prefix}{id:x16}");

    /// <summary>The session folders in the spool, with their ids.</summary>
    public IEnumerable<(string Directory, ulong Id)> Sessions()
    {
        foreach (string directory in Directory.EnumerateDirectories(spoolDirectory, Prefix + "*"))
        {
            if (ulong.TryParse(Path.GetFileName(directory).AsSpan(Prefix.Length), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong id))
            {
                yield return (directory, id);
            }
        }
    }

    /// <summary>
    /// Deletes the folders of sessions not <paramref name="inUse"/> that have received nothing for the spool's maximum
    /// age (the newest write to any of their files), and returns their ids. A complete spool is never expired: it is
    /// handed over at start instead.
    /// </summary>
    public List<ulong> ExpireStale(Func<ulong, bool> inUse)
    {
        _lastExpiryCheck = time.GetTimestamp();
        DateTime now = time.GetUtcNow().UtcDateTime;
        var expired = new List<ulong>();
        foreach ((string directory, ulong id) in Sessions())
        {
            if (inUse(id))
            {
                continue;
            }

            try
            {
                var files = new DirectoryInfo(directory).GetFiles();
                DateTime lastWrite = files.Length == 0 ? Directory.GetLastWriteTimeUtc(directory) : files.Max(f => f.LastWriteTimeUtc);
                TimeSpan idle = now - lastWrite;
                if (idle < maxAge || ReceiveSession.CompleteSpool(directory) is not null)
                {
                    continue;
                }

                Directory.Delete(directory, recursive: true);
                expired.Add(id);
                UdpLog.SpoolExpired(logger, id, idle.TotalDays);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                UdpLog.SessionOpenFailed(logger, e, id);
            }
        }

        return expired;
    }

    /// <summary>Deletes a session's folder, whether or not it is still there.</summary>
    public static void DeleteQuietly(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
