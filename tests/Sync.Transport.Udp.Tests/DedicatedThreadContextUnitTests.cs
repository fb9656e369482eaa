using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp.Tests;

public sealed class DedicatedThreadContextUnitTests
{
    [Fact]
    public async Task The_loop_resumes_on_its_own_thread_after_every_await()
    {
        var threads = new HashSet<int>();
        await DedicatedThreadContext.Run("test-loop", async () =>
        {
            Assert.Equal("test-loop", Thread.CurrentThread.Name);
            for (int i = 0; i < 5; i++)
            {
                threads.Add(Environment.CurrentManagedThreadId);
                await Task.Delay(5);
                await Task.Run(() => { });
            }

            threads.Add(Environment.CurrentManagedThreadId);
        }).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Single(threads);
    }

    [Fact]
    public async Task Cancellation_and_failure_of_the_loop_reach_the_caller()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => DedicatedThreadContext.Run("t", async () => await Task.Delay(1000, cancelled.Token)));
        await Assert.ThrowsAsync<InvalidOperationException>(() => DedicatedThreadContext.Run("t", async () =>
        {
            await Task.Yield();
            throw new InvalidOperationException("boom");
        }));
        await Assert.ThrowsAsync<InvalidOperationException>(() => DedicatedThreadContext.Run("t", () => throw new InvalidOperationException("sync")));
    }
}
