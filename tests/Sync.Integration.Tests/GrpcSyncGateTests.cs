using Microsoft.Extensions.Time.Testing;
using Sync.Transport.Grpc;

namespace Sync.Integration.Tests;

/// <summary>
/// The one-sync gate on its own (no processes): a caller waits, bounded, for the holder to end instead of being
/// told busy at once, is admitted as soon as the gate is released, and only a few callers may wait. The gate's
/// clock is a <see cref="FakeTimeProvider"/>: waits and timeouts are exact and cost no real time; the real-time
/// bound on an await only keeps a broken gate from hanging the run.
/// </summary>
public sealed class GrpcSyncGateTests
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(1);

    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task A_free_gate_is_entered_at_once_and_a_held_one_without_wait_is_busy_at_once()
    {
        var gate = SyncGate.Private(_time);
        using var first = await gate.EnterAsync("first", CancellationToken.None);
        Assert.NotNull(first);
        Assert.Equal(TimeSpan.Zero, first.Waited);
        Assert.Null(first.SinceRelease);
        Assert.StartsWith("first (since ", gate.Holder);

        var second = gate.EnterAsync("second", CancellationToken.None);
        Assert.True(second.IsCompletedSuccessfully);
        Assert.Null(await second);
    }

    [Fact]
    public async Task A_waiting_caller_is_admitted_when_the_holder_releases()
    {
        var gate = new SyncGate(Long, _time);
        var first = await gate.EnterAsync("dying peer", CancellationToken.None);
        var second = gate.EnterAsync("next peer", CancellationToken.None);
        _time.Advance(Long - TimeSpan.FromSeconds(1));
        Assert.False(second.IsCompleted, "the gate is still held and the wait not over");

        first!.Dispose();
        using var entry = await second.WaitAsync(HangGuard);
        Assert.NotNull(entry);
        Assert.Equal(TimeSpan.Zero, entry.SinceRelease);
        Assert.Equal(Long - TimeSpan.FromSeconds(1), entry.Waited);
        Assert.StartsWith("next peer", gate.Holder);
    }

    [Fact]
    public async Task A_live_holder_outlasts_the_wait_and_the_caller_is_told_busy()
    {
        var gate = new SyncGate(Long, _time);
        using var live = await gate.EnterAsync("live peer", CancellationToken.None);
        var second = gate.EnterAsync("second", CancellationToken.None);
        _time.Advance(Long - TimeSpan.FromTicks(1));
        Assert.False(second.IsCompleted, "told busy before the wait was over");

        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Null(await second.WaitAsync(HangGuard));
        Assert.StartsWith("live peer", gate.Holder);
    }

    [Fact]
    public async Task One_release_admits_one_waiter_and_the_next_waits_for_the_next_release()
    {
        var gate = new SyncGate(Long, _time);
        var holder = await gate.EnterAsync("holder", CancellationToken.None);
        var a = gate.EnterAsync("a", CancellationToken.None);
        var b = gate.EnterAsync("b", CancellationToken.None);
        holder!.Dispose();

        var first = await Task.WhenAny(a, b);
        var winner = await first;
        Assert.NotNull(winner);
        var loser = first == a ? b : a;
        _time.Advance(Long / 2);
        Assert.False(loser.IsCompleted, "two syncs may never hold the gate at once");

        winner.Dispose();
        using var last = await loser.WaitAsync(HangGuard);
        Assert.NotNull(last);
    }

    [Fact]
    public async Task Only_a_few_callers_may_wait_and_a_cancelled_one_leaves_its_place()
    {
        var gate = new SyncGate(Long, _time);
        using var holder = await gate.EnterAsync("holder", CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var waiting = Enumerable.Range(0, SyncGate.MaxWaiting).Select(i => gate.EnterAsync($"w{i}", cancel.Token)).ToList();

        var oneTooMany = gate.EnterAsync("one too many", CancellationToken.None);
        Assert.True(oneTooMany.IsCompletedSuccessfully);
        Assert.Null(await oneTooMany);

        await cancel.CancelAsync();
        foreach (var w in waiting)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => w);
        }

        var again = gate.EnterAsync("again", CancellationToken.None);
        Assert.False(again.IsCompleted, "a cancelled waiter must give its place back");
        holder!.Dispose();
        using var entry = await again.WaitAsync(HangGuard);
        Assert.NotNull(entry);
    }
}
