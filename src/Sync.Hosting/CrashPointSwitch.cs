using Microsoft.Extensions.Configuration;
using Sync.Core.Apply;

namespace Sync.Hosting;

/// <summary>
/// The host-level test switch of the kill tests: SYNC_CRASH_POINT=N makes the agent kill itself at the N-th durable
/// step (see <see cref="CrashPoints"/>). Read once, from the same environment snapshot the command line is merged
/// with, before any command runs; unset, zero or not a number leaves the seam empty, as it always was.
/// </summary>
internal static class CrashPointSwitch
{
    /// <summary>The variable's name without the SYNC_ prefix that the environment snapshot strips.</summary>
    public const string Key = "CRASH_POINT";

    public static KillAtCrashPoint? Read(IConfiguration environment) =>
        long.TryParse(environment[Key], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var at) && at > 0
            ? new KillAtCrashPoint(at)
            : null;

    public static void Arm(IConfiguration environment)
    {
        if (Read(environment) is { } crashPoint)
        {
            CrashPoints.Install(crashPoint);
        }
    }
}
