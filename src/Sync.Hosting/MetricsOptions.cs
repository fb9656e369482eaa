using System.CommandLine;

namespace Sync.Hosting;

/// <summary>
/// The metrics options: <c>--metrics-listen HOST:PORT</c> for long-running commands (a Prometheus scrape target),
/// <c>--metrics-file PATH</c> for one-shot ones (node-exporter's textfile collector). Both expose the same registry in
/// the same format; see docs/metrics.md.
/// </summary>
public sealed class MetricsOptions
{
    public Option<string?> Listen { get; } = new("--metrics-listen")
    {
        Description = "Answer GET /metrics in the Prometheus text format on HOST:PORT (e.g. 127.0.0.1:9464; plain HTTP).",
    };

    public Option<string?> File { get; } = new("--metrics-file")
    {
        Description = "At the end, write the metrics in the Prometheus text format to PATH atomically, for node-exporter's textfile collector (name it *.prom).",
    };

    public void AddListenTo(Command command) => command.Options.Add(Listen);

    public void AddFileTo(Command command) => command.Options.Add(File);

    /// <summary>Starts the scrape endpoint when <c>--metrics-listen</c> is given; null otherwise.</summary>
    public async Task<MetricsEndpoint?> StartAsync(ParseResult result, CancellationToken cancellationToken)
    {
        if (result.GetValue(Listen) is not { } text)
        {
            return null;
        }

        var listen = ListenAddress.Parse(text, "--metrics-listen");
        var collector = new MetricsCollector();
        try
        {
            return await MetricsEndpoint.StartAsync(listen, collector, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            collector.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs a one-shot command's body and, when <c>--metrics-file</c> is given, writes the file after it, also when it
    /// failed (the failure is what the file should show). A file that cannot be written is one line and exit 1.
    /// </summary>
    public async Task<int> RunWithFileAsync(string agentName, ParseResult result, Func<Task<int>> body)
    {
        if (result.GetValue(File) is not { } path)
        {
            return await body().ConfigureAwait(false);
        }

        var full = MetricsFile.Check(path);
        using var collector = new MetricsCollector();
        int code;
        try
        {
            code = await body().ConfigureAwait(false);
        }
        catch
        {
            TryWrite(agentName, full, collector);
            throw;
        }

        return TryWrite(agentName, full, collector) || code != 0 ? code : 1;
    }

    private static bool TryWrite(string agentName, string path, MetricsCollector collector)
    {
        try
        {
            MetricsFile.Write(path, collector.Collect());
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            CommandRunner.Fail(agentName, $"cannot write --metrics-file '{path}': {e.Message}");
            return false;
        }
    }
}
