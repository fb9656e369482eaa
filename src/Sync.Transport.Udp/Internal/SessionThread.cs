namespace Sync.Transport.Udp.Internal;

/// <summary>
/// A send session's dedicated threads (encode, send): each runs its body on a background thread of its own and
/// completes the returned task with the body's outcome. A failure or cancellation cancels <c>stop</c>, so the other
/// thread of the session ends too instead of waiting on a queue nobody fills.
/// </summary>
internal static class SessionThread
{
    public static Task Start(string name, Action body, CancellationTokenSource stop)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                body();
                done.SetResult();
            }
            catch (OperationCanceledException e)
            {
                stop.Cancel();
                done.SetCanceled(e.CancellationToken);
            }
            catch (Exception e)
            {
                stop.Cancel();
                done.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return done.Task;
    }
}
