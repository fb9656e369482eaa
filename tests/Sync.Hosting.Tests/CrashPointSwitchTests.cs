using Microsoft.Extensions.Configuration;

namespace Sync.Hosting.Tests;

/// <summary>
/// The kill tests' switch, read by the host from its environment snapshot (never by the domain), and the crash point it
/// arms: the N-th durable step ends the process, no other. The real kill runs in the integration tests' crash tests.
/// </summary>
public sealed class CrashPointSwitchTests
{
    [Theory]
    [InlineData("3", 3L)]
    [InlineData(" 12 ", 12L)]
    public void A_positive_count_arms_a_crash_point_at_that_step(string value, long expected)
    {
        var crashPoint = CrashPointSwitch.Read(Environment(value));

        Assert.Equal(expected, crashPoint?.At);
    }

    [Fact]
    public void The_crash_point_ends_the_process_at_the_nth_step_and_no_other()
    {
        // Each kill records the step it came at; the real one never returns, this one lets the count run on.
        var kills = new List<long>();
        KillAtCrashPoint? crashPoint = null;
        crashPoint = new KillAtCrashPoint(7, () => kills.Add(crashPoint!.Count));
        for (var step = 1; step <= 12; step++)
        {
            crashPoint.Reached();
        }

        Assert.Equal([7L], kills);
        Assert.Equal(12, crashPoint.Count);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("-4")]
    [InlineData("soon")]
    public void Unset_zero_or_not_a_count_leaves_the_seam_empty(string? value)
    {
        Assert.Null(CrashPointSwitch.Read(Environment(value)));
    }

    [Fact]
    public void A_crash_point_counts_hits_from_many_threads_and_fires_once()
    {
        var fired = 0;
        var crashPoint = new KillAtCrashPoint(500, () => Interlocked.Increment(ref fired));

        Parallel.For(0, 1000, _ => crashPoint.Reached());

        Assert.Equal(1, fired);
        Assert.Equal(1000, crashPoint.Count);
    }

    [Fact]
    public void A_crash_point_before_the_first_step_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new KillAtCrashPoint(0));
    }

    private static IConfiguration Environment(string? value) => new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?> { [CrashPointSwitch.Key] = value })
        .Build();
}
