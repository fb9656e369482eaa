using System.Globalization;
using System.Text;
using Sync.Core;

namespace Sync.Hosting;

/// <summary>
/// One long-running service per state directory: `serve` holds an exclusive lock on STATE/serve.lock (flock, released
/// by the kernel when the process ends, however it ends) for its whole life, so a second `serve` on the same state is
/// refused at start with exit 6 rather than answering half of the peers with a state the other one is changing.
/// STATE/serve.pid names the holder for the operator (beside the lock: .NET's own share locks keep anyone from reading
/// a file it holds exclusively). One-shot commands keep their own per-run lock.
/// </summary>
public static class ServiceLock
{
    public static IDisposable Acquire(string agentName, string command, string stateDirectory)
    {
        FileStream file;
        var path = Path.Combine(stateDirectory, "serve.lock");
        try
        {
            Directory.CreateDirectory(stateDirectory);
            file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException) when (File.Exists(path))
        {
            var holder = ReadHolder(Path.Combine(stateDirectory, "serve.pid"));
            throw SyncException.Busy(
                $"another '{agentName} {command}' is running on state directory '{stateDirectory}'{holder}; one service per state directory");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw SyncException.Usage($"cannot use state directory '{stateDirectory}': {e.Message}");
        }

        try
        {
            File.WriteAllText(Path.Combine(stateDirectory, "serve.pid"), string.Create(CultureInfo.InvariantCulture, $"{agentName} {command} {Environment.ProcessId}\n"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only a courtesy to the operator: the lock itself is held.
        }

        return file;
    }

    private static string ReadHolder(string path)
    {
        try
        {
            var text = File.ReadAllText(path, Encoding.ASCII).Trim();
            return text.Length < 128 && text.Split(' ') is [_, _, var pid] && int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out _)
                ? $" (process {pid})"
                : string.Empty;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }
}
