using Sync.Core;

namespace Sync.Hosting;

/// <summary>
/// Redraws one progress line on stderr while a long operation runs, only when stderr is a terminal, the
/// user did not ask for --quiet and the log format is text (a json or journald stderr is read by a program, which a
/// redrawn line would only confuse); scripts and CI see nothing.
/// </summary>
public sealed class ProgressDisplay : IAsyncDisposable
{
    private readonly OperationProgress _progress;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly bool _enabled;
    private readonly TimeProvider _time;

    public ProgressDisplay(OperationProgress progress, bool quiet, TimeProvider time)
    {
        _progress = progress;
        _time = time;
        _enabled = !quiet && !Console.IsErrorRedirected && LogOutput.Current == LogFormat.Text;
        _loop = _enabled ? RunAsync() : Task.CompletedTask;
    }

    /// <summary>Runs <paramref name="operation"/> with a fresh progress, shown on stderr until it ends (also when it fails).</summary>
    public static async Task<T> ShowWhileAsync<T>(bool quiet, TimeProvider time, Func<OperationProgress, Task<T>> operation)
    {
        var progress = new OperationProgress();
        await using (new ProgressDisplay(progress, quiet, time))
        {
            return await operation(progress).ConfigureAwait(false);
        }
    }

    private async Task RunAsync()
    {
        var phaseStarted = _time.GetTimestamp();
        var phase = string.Empty;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250), _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                if (_progress.Phase != phase)
                {
                    phase = _progress.Phase;
                    phaseStarted = _time.GetTimestamp();
                }

                var done = _progress.BytesDone;
                var total = _progress.BytesTotal;
                var rate = done / Math.Max(0.001, _time.GetElapsedTime(phaseStarted).TotalSeconds);
                var items = _progress.ItemsTotal > 0 ? $" {_progress.ItemsDone}/{_progress.ItemsTotal} items" : string.Empty;
                var percent = total > 0 ? $" {100.0 * done / total,5:F1}%" : string.Empty;
                Console.Error.Write($"\r{phase,-8}{percent} {Units.Bytes(done)}/{Units.Bytes(total)}{items} {Units.Bytes((long)rate)}/s   ");
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        if (_enabled)
        {
            Console.Error.Write("\r" + new string(' ', 79) + "\r");
        }

        _stop.Dispose();
    }
}
