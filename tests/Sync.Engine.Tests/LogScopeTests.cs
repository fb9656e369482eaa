using Microsoft.Extensions.Logging;
using Sync.Testing.Logging;

namespace Sync.Engine.Tests;

/// <summary>
/// The log scope the engine's tests log into (it lives in Sync.Testing, which has no tests of its own): it must fail a
/// test on an error nobody expected, and only then.
/// </summary>
public sealed class LogScopeTests
{
    [Fact]
    public void An_error_nobody_expected_fails_with_its_message()
    {
        var scope = new LogScope();
        scope.CreateLogger("intake").LogError(new IOException("EIO"), "Could not apply {Name}", "g7");

        var failure = Assert.Throws<UnexpectedLogErrorException>(scope.Dispose);
        Assert.Contains("Error [intake] Could not apply g7 (IOException: EIO)", failure.Message);
        Assert.Single(failure.Entries);
    }

    [Fact]
    public void A_critical_entry_counts_as_an_error()
    {
        var scope = new LogScope();
        scope.Logger.LogCritical("state lost");

        Assert.Throws<UnexpectedLogErrorException>(scope.Verify);
    }

    [Fact]
    public void Expected_errors_and_anything_below_error_pass()
    {
        using var scope = new LogScope().ExpectError("disk is on fire");
        scope.Logger.LogError("Could not apply g1: the disk is on fire; it is kept");
        scope.Logger.LogWarning("a warning is no failure");
        scope.Logger.LogInformation("published");

        Assert.Empty(scope.UnexpectedErrors());
        Assert.Equal([LogLevel.Error, LogLevel.Warning, LogLevel.Information], scope.Entries.Select(e => e.Level));
    }

    [Fact]
    public void An_expectation_allows_only_the_errors_it_names()
    {
        var scope = new LogScope().ExpectError("disk is on fire");
        scope.Logger.LogError("the disk is on fire");
        scope.Logger.LogError("the key is gone");

        var failure = Assert.Throws<UnexpectedLogErrorException>(scope.Verify);
        Assert.Equal(["the key is gone"], failure.Entries.Select(e => e.Message));
    }

    [Fact]
    public void A_test_that_verified_itself_is_not_failed_twice_on_dispose()
    {
        var scope = new LogScope();
        scope.Logger.LogError("boom");
        Assert.Throws<UnexpectedLogErrorException>(scope.Verify);

        scope.Dispose();
    }
}
