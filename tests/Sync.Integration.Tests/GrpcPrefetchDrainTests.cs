using Microsoft.Extensions.Time.Testing;
using Sync.Transport.Grpc;

namespace Sync.Integration.Tests;

/// <summary>
/// The drain after a sync's last answer gives up after its limit on the session's clock (no processes): with a
/// <see cref="FakeTimeProvider"/> the limit passes when the test advances time, not after real seconds. The
/// real-time bound on an await only keeps a broken drain from hanging the run.
/// </summary>
public sealed class GrpcPrefetchDrainTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task A_peer_that_never_closes_is_given_up_on_when_the_clock_passes_the_limit()
    {
        var time = new FakeTimeProvider();
        using var call = new CancellationTokenSource();
        var stream = new PrefetchingPeerStream<string, string>(new SilentPeer(), depth: 2, time, call.Token);

        // A limit far beyond the hang guard: a drain timed by the real clock would fail the guard, not pass slowly.
        var drain = stream.DrainAsync(TimeSpan.FromMinutes(10), CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(9));
        await Task.Delay(50); // lets the drain settle into its wait: it must still be waiting
        Assert.False(drain.IsCompleted);

        time.Advance(TimeSpan.FromMinutes(1));
        await drain.WaitAsync(HangGuard);
        await call.CancelAsync();
    }

    /// <summary>A peer that sends nothing and never closes its half: each receive waits until cancelled.</summary>
    private sealed class SilentPeer : IPeerStream<string, string>
    {
        public string Peer => "silent";

        public Task SendAsync(string message, CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task<string?> ReceiveAsync(CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return null;
        }
    }
}
