namespace Sync.Transport.Udp.Internal;

/// <summary>
/// What is this? Runs one async loop on its own thread: the loop's awaits that resume on the captured context (no
/// <c>ConfigureAwait(false)</c>) come back to this thread, which sleeps in the kernel while there is nothing to do.
/// The receiver's decode loop runs here so that a batch arriving wakes one known thread, instead of a thread-pool
/// worker that afterwards spins looking for more work (most of what a wake-up cost when each packet was one).
/// Work posted after the loop has finished goes to the thread pool, so nothing is ever stranded.
/// </summary>
internal sealed class DedicatedThreadContext : SynchronizationContext
{
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _work = [];
    private bool _done;

    private DedicatedThreadContext()
    {
    }

    /// <summary>Starts a thread named <paramref name="name"/> that runs <paramref name="loop"/>; the task ends as the loop does.</summary>
    public static Task Run(string name, Func<Task> loop)
    {
        var result = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            var context = new DedicatedThreadContext();
            SetSynchronizationContext(context);
            Task task;
            try
            {
                task = loop();
            }
            catch (Exception e)
            {
                task = Task.FromException(e);
            }

            task.ContinueWith(static (_, state) => ((DedicatedThreadContext)state!).Finish(), context, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            context.Pump();
            result.SetFromTask(task);
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return result.Task;
    }

    public override void Post(SendOrPostCallback d, object? state)
    {
        lock (_work)
        {
            if (!_done)
            {
                _work.Enqueue((d, state));
                Monitor.Pulse(_work);
                return;
            }
        }

        ThreadPool.QueueUserWorkItem(static s => s.d(s.state), (d, state), preferLocal: false);
    }

    public override SynchronizationContext CreateCopy() => this;

    private void Finish()
    {
        lock (_work)
        {
            _done = true;
            Monitor.Pulse(_work);
        }
    }

    /// <summary>Runs posted work until the loop has finished and everything posted before that has run.</summary>
    private void Pump()
    {
        while (true)
        {
            (SendOrPostCallback Callback, object? State) next;
            lock (_work)
            {
                while (_work.Count == 0)
                {
                    if (_done)
                    {
                        return;
                    }

                    Monitor.Wait(_work);
                }

                next = _work.Dequeue();
            }

            next.Callback(next.State);
        }
    }
}
