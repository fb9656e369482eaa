using System.Globalization;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// The sessions this spool has finished (applied or rejected), one line each in <c>finished-sessions</c>, so their
/// packets stay ignored and a replay of their signed tickets costs no spool, across restarts too. Appended and
/// fsynced before the session's spool is deleted. Bounded: the newest <see cref="Capacity"/> ids are kept, and the
/// file is rewritten (atomically) with just those once it holds twice as many lines. A replayed ticket older than
/// that is still refused by its generation. Thread-safe: the decode loop reads it, completion tasks add to it.
/// </summary>
internal sealed class FinishedSessions
{
    public const int Capacity = 4096;

    private readonly string _path;
    private readonly int _capacity;
    private readonly BoundedSet<ulong> _ids;
    private readonly Queue<string> _lines = new();
    private readonly Lock _lock = new();

    private FinishedSessions(string path, int capacity)
    {
        _path = path;
        _capacity = capacity;
        _ids = new BoundedSet<ulong>(capacity);
    }

    public static FinishedSessions Load(string spoolDirectory, int capacity = Capacity)
    {
        var finished = new FinishedSessions(Path.Combine(spoolDirectory, "finished-sessions"), capacity);
        if (File.Exists(finished._path))
        {
            foreach (string line in File.ReadLines(finished._path))
            {
                int space = line.IndexOf(' ', StringComparison.Ordinal);
                if (ulong.TryParse(space < 0 ? line : line[..space], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong id))
                {
                    finished._ids.Add(id);
                    finished.Keep(line);
                }
            }
        }

        return finished;
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _ids.Count;
            }
        }
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
            string line = string.Create(CultureInfo.InvariantCulture, $"{sessionId:x16} {disposition} {when:O}");
            using (var stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read))
            {
                stream.Write(System.Text.Encoding.ASCII.GetBytes(line + "\n"));
                stream.Flush(flushToDisk: true);
            }

            _ids.Add(sessionId);
            Keep(line);
            if (_lines.Count >= 2 * _capacity)
            {
                Compact();
            }
        }
    }

    private void Keep(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > 2 * _capacity)
        {
            _lines.Dequeue();
        }
    }

    /// <summary>Rewrites the file with the newest lines (as many as the capacity): a temporary file, fsynced, renamed over it.</summary>
    private void Compact()
    {
        while (_lines.Count > _capacity)
        {
            _lines.Dequeue();
        }

        string temporary = _path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(System.Text.Encoding.ASCII.GetBytes(string.Join('\n', _lines) + "\n"));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, _path, overwrite: true);
    }
}
