using System.Globalization;
using Sync.Core;
using Sync.Core.Posix;

namespace Sync.Hosting;

/// <summary>
/// <c>--metrics-file</c>: the same text a scrape returns, written for node-exporter's textfile collector atomically
/// (a hidden temporary file in the same folder, flushed, renamed over the old one, the folder fsynced), so the
/// collector never reads half a file. The collector reads only <c>*.prom</c>, so the temporary name does not end so.
/// One-shot commands know nothing of earlier runs, so the timestamps of the last success and failure
/// (<c>*_timestamp_seconds</c>) are carried over from the file being replaced when this run did not set them.
/// </summary>
public static class MetricsFile
{
    private const string TimestampSuffix = "_timestamp_seconds";

    /// <summary>Refuses, as a usage error before any work, a path whose folder does not exist.</summary>
    public static string Check(string path)
    {
        var full = Path.GetFullPath(path);
        if (Path.GetFileName(full).Length == 0 || !Directory.Exists(Path.GetDirectoryName(full)))
        {
            throw SyncException.Usage($"--metrics-file '{path}': the folder does not exist (node-exporter's textfile directory, e.g. /var/lib/prometheus/node-exporter)");
        }

        return full;
    }

    public static void Write(string path, IReadOnlyList<MetricFamily> families)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        var earlier = ReadTimestamps(full);
        foreach (var family in families.Where(f => f.Name.EndsWith(TimestampSuffix, StringComparison.Ordinal) && f.Kind == MetricKind.Gauge))
        {
            if (earlier.TryGetValue(family.Name, out var before) && family.Series.TryGetValue(string.Empty, out var series) && series.Value < before)
            {
                series.Set(before);
            }
        }

        var temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            using (var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false)))
            {
                writer.Write(PrometheusText.Write(families));
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }

            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            File.Move(temporary, full, overwrite: true);
            Posix.FsyncDirectory(folder);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>The unlabelled timestamp gauges of the file being replaced; nothing when it is missing or unreadable.</summary>
    private static Dictionary<string, double> ReadTimestamps(string path)
    {
        var found = new Dictionary<string, double>(StringComparer.Ordinal);
        string[] lines;
        try
        {
            lines = File.Exists(path) && new FileInfo(path).Length < 1 << 20 ? File.ReadAllLines(path) : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return found;
        }

        foreach (var line in lines)
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && !line.StartsWith('#') && line.AsSpan(0, space).EndsWith(TimestampSuffix, StringComparison.Ordinal) &&
                double.TryParse(line.AsSpan(space + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                found[line[..space]] = value;
            }
        }

        return found;
    }
}
