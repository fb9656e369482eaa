using System.Globalization;
using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp;

/// <summary>
/// A partial session the receiver keeps in its spool (<c>session-&lt;id&gt;</c>) to resume after a restart, as `status`
/// lists it: read without a lock and without touching the receiver's files. <see cref="ObjectBytes"/> is null while a
/// running receiver holds the session's record (it opens it exclusively) or when the record is unreadable.
/// </summary>
public sealed record SpooledSession(ulong SessionId, long? ObjectBytes, long BytesOnDisk, DateTimeOffset LastActivity)
{
    /// <summary>The sessions in <paramref name="spoolDirectory"/>, oldest activity first; empty when it does not exist.</summary>
    public static IReadOnlyList<SpooledSession> List(string spoolDirectory)
    {
        var sessions = new List<SpooledSession>();
        if (!Directory.Exists(spoolDirectory))
        {
            return sessions;
        }

        foreach (var directory in new DirectoryInfo(spoolDirectory).EnumerateDirectories("session-*"))
        {
            if (!ulong.TryParse(directory.Name.AsSpan("session-".Length), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var id))
            {
                continue;
            }

            try
            {
                var files = directory.GetFiles();
                var last = files.Select(f => f.LastWriteTimeUtc).DefaultIfEmpty(directory.LastWriteTimeUtc).Max();
                var info = SessionStateFile.ReadInfo(Path.Combine(directory.FullName, "state"));
                sessions.Add(new SpooledSession(id, info?.ObjectLength, files.Sum(f => f.Length), new DateTimeOffset(last, TimeSpan.Zero)));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Removed while listed (finished or expired): nothing to report.
            }
        }

        return [.. sessions.OrderBy(s => s.LastActivity)];
    }
}
