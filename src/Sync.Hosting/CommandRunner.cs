using System.Runtime.InteropServices;
using Sync.Core;
using Sync.Hosting.Configuration;

namespace Sync.Hosting;

/// <summary>
/// Runs one command body and turns every way it can end into an exit code and at most one line on stderr:
/// expected refusals print their message, a full disk says so, anything else is a bug and says that too.
/// </summary>
public static class CommandRunner
{
    public const int Cancelled = 130;

    public static async Task<int> RunAsync(string agentName, Func<CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body(cancellationToken).ConfigureAwait(false);
        }
        catch (SyncException e)
        {
            // A refused value that came from the configuration names the file and key, not an option never typed.
            Fail(agentName, e.Kind == SyncErrorKind.Usage && ConfiguredCommandLine.Current is { } line ? line.Attribute(e.Message) : e.Message);
            return (int)e.Kind;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Fail(agentName, "cancelled; nothing published was changed");
            return Cancelled;
        }
        catch (Exception e) when (Sync.Core.Posix.Posix.IsDiskFull(e))
        {
            // The inside publishes nothing half-written; the outside commits no generation a carrier did not take.
            Fail(agentName, agentName.EndsWith("outside", StringComparison.Ordinal)
                ? $"disk full: {e.Message}; nothing was committed: free space (or use a larger medium) and run again"
                : $"disk full: {e.Message}; what was published before is intact");
            return (int)SyncErrorKind.Storage;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fail(agentName, e.Message);
            return (int)SyncErrorKind.Failure;
        }
        catch (Exception e) when (e is not OutOfMemoryException && e is not SEHException)
        {
            Fail(agentName, $"internal error ({e.GetType().Name}): {e.Message}");
            if (Environment.GetEnvironmentVariable("SYNC_DEBUG") == "1")
            {
                Console.Error.WriteLine(e);
            }

            return (int)SyncErrorKind.Failure;
        }
    }

    /// <summary>One line on stderr in the process's log format (<see cref="LogOutput"/>).</summary>
    public static void Fail(string agentName, string message) => LogOutput.WriteFailure(Console.Error, agentName, message);
}
