using System.Globalization;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// The sessions this spool has finished (applied or rejected), one line each in <c>finished-sessions</c>, so their
/// packets stay ignored after a restart. Appended and fsynced before the session's spool is deleted. Thread-safe:
/// the decode loop reads it, completion tasks add to it.
/// </summary>
internal sealed class FinishedSessions
{
    private readonly string _path;
    private readonly HashSet<ulong> _ids = [];
    private readonly Lock _lock = new();

    private FinishedSessions(string path) => _path = path;

    public static FinishedSessions Load(string spoolDirectory)
    {
        var finished = new FinishedSessions(Path.Combine(spoolDirectory, "finished-sessions"));
        if (File.Exists(finished._path))
        {
            foreach (string line in File.ReadLines(finished._path))
            {
                int space = line.IndexOf(' ', StringComparison.Ordinal);
                if (ulong.TryParse(space < 0 ? line : line[..space], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong id))
                {
                    finished._ids.Add(id);
                }
            }
        }

        return finished;
    }

    public bool Contains(ulong sessionId)
    {
        lock (_lock)
        {
            return _ids.Contains(sessionId);
        }
    }

    public void Add(ulong sessionId, ObjectDisposition disposition, DateTimeOffset when)
    {
        lock (_lock)
        {
            using (var stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read))
            {
                string line = string.Create(CultureInfo.InvariantCulture, $"{sessionId:x16} {disposition} {when:O}\n");
                stream.Write(System.Text.Encoding.ASCII.GetBytes(line));
                stream.Flush(flushToDisk: true);
            }

            _ids.Add(sessionId);
        }
    }
}
