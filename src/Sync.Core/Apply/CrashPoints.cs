namespace Sync.Core.Apply;

/// <summary>
/// What is this? The seam the kill tests stop a real agent through. Every durable step of exporting, staging and
/// publishing calls <see cref="Hit"/>. Nothing is installed in production, so a hit is one field read. The agents'
/// host installs an <see cref="ICrashPoint"/> once, before any command runs, when its test switch is set (Sync.Hosting's
/// CrashPointSwitch); the domain reads no environment and no caller outside the host and the tests can arm it.
/// </summary>
/// <remarks>
/// One slot for the whole process rather than a constructor argument: the count runs across every component of one
/// apply or export (the N-th durable step, wherever it is), and the steps sit in static helpers and factories that
/// four assemblies call; threading an internal type through their public constructors would widen what is internal.
/// </remarks>
internal static class CrashPoints
{
    private static ICrashPoint? _installed;

    public static void Hit() => Volatile.Read(ref _installed)?.Reached();

    /// <summary>Installs <paramref name="crashPoint"/> for the rest of the process; null takes it out again.</summary>
    public static void Install(ICrashPoint? crashPoint) => Volatile.Write(ref _installed, crashPoint);
}
