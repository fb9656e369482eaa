using System.Globalization;
using Microsoft.Extensions.Hosting;
using Sync.Core;
using Sync.Engine.Outside;
using Sync.Hosting;

namespace Sync.Outside;

/// <summary>What every publishing command of `sync-outside` shares: the engine, built from the host, and how its outcome ends the command.</summary>
internal static class Publishing
{
    private const string Agent = OutsideAgent.Name;

    public static GenerationPublisher Publisher(IHost host) => new(
        host.WireCodec(), host.Logger<GenerationPublisher>(), host.Time());

    /// <summary>
    /// Runs <paramref name="body"/> under a progress display; the lines it writes reach stdout once the display is gone
    /// (also when it fails), so they never share the terminal line the display redraws.
    /// </summary>
    public static async Task<T> WithProgressAsync<T>(bool quiet, TimeProvider time, Func<OperationProgress, TextWriter, Task<T>> body)
    {
        using var lines = new StringWriter(CultureInfo.InvariantCulture);
        try
        {
            return await ProgressDisplay.ShowWhileAsync(quiet, time, progress => body(progress, lines));
        }
        finally
        {
            Console.Out.Write(lines.ToString());
        }
    }

    /// <summary>The summary line is written; an error is one line on stderr; the exit code is the engine's.</summary>
    public static int Finish(PublishOutcome outcome)
    {
        if (outcome.Error is { } error)
        {
            CommandRunner.Fail(Agent, error);
        }

        return outcome.ExitCode;
    }
}
