using Sync.Core.Apply;

namespace Sync.Hosting;

/// <summary>
/// The kill tests' crash point: counts the durable steps of this process and, on the N-th, ends it at once (SIGKILL
/// by default: no cleanup, no flush), as a power cut would.
/// </summary>
internal sealed class KillAtCrashPoint : ICrashPoint
{
    private readonly long _at;
    private readonly Action _kill;
    private long _reached;

    public KillAtCrashPoint(long at, Action? kill = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(at, 1);
        _at = at;
        _kill = kill ?? (() => System.Diagnostics.Process.GetCurrentProcess().Kill());
    }

    /// <summary>The step it ends the process at.</summary>
    public long At => _at;

    /// <summary>The steps reached so far.</summary>
    public long Count => Interlocked.Read(ref _reached);

    public void Reached()
    {
        if (Interlocked.Increment(ref _reached) == _at)
        {
            _kill();
        }
    }
}
