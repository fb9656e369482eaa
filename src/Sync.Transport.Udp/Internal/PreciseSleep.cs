using System.Runtime.InteropServices;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// Sleeps of tens of microseconds for the pacer, so waiting between bursts leaves the core to other threads (on a
/// small machine, the receiver's) instead of spinning on it. Linux adds up to 50 µs of timer slack to every sleep
/// of a normal thread; the send thread lowers its own slack to 1 µs, after which a sleep ends about 40–60 µs late
/// on the VMs measured here, so the pacer sleeps only for waits well above that and spins for the rest.
/// </summary>
internal static partial class PreciseSleep
{
    private const int PrSetTimerSlack = 29;
    private const int ClockMonotonic = 1;

    /// <summary>Lowers the calling thread's timer slack; false where that is not possible (then do not use <see cref="Sleep"/>).</summary>
    public static bool TryEnableForCurrentThread()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            return Prctl(PrSetTimerSlack, 1000, 0, 0, 0) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Sleeps for about <paramref name="nanoseconds"/> (longer by the wake-up latency).</summary>
    public static void Sleep(long nanoseconds)
    {
        var time = new TimeSpec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };
        _ = ClockNanosleep(ClockMonotonic, 0, in time, IntPtr.Zero);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int Prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

    [LibraryImport("libc", EntryPoint = "clock_nanosleep")]
    private static partial int ClockNanosleep(int clock, int flags, in TimeSpec request, IntPtr remain);
}
