namespace Sync.Core.Apply;

/// <summary>
/// Fault injection for the kill tests: when armed with N, the process kills itself (SIGKILL, no cleanup) on
/// reaching the N-th crash point of an apply. Every durable step of staging and publishing is a crash point,
/// so a test can stop the process at each of them in turn.
/// </summary>
public static class CrashPoints
{
    private static long _armedAt;
    private static long _reached;

    public static void Arm(long n) => _armedAt = n;

    public static long Reached => Interlocked.Read(ref _reached);

    public static void Hit()
    {
        var n = Interlocked.Increment(ref _reached);
        if (_armedAt > 0 && n == _armedAt)
        {
            System.Diagnostics.Process.GetCurrentProcess().Kill();
        }
    }
}
