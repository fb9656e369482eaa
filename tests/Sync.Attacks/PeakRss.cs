using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Sync.Attacks;

/// <summary>
/// Runs a command with this process's stdin, stdout and stderr, exits with its exit code, and writes its peak
/// resident memory (KiB) to a file: what an attack cost the agent, measured by the kernel
/// (getrusage(RUSAGE_CHILDREN) once the child is reaped), so a peak between two samples cannot be missed.
/// </summary>
internal static partial class PeakRss
{
    private const int RusageChildren = -1;

    public static async Task<int> RunAsync(Arguments options)
    {
        var output = options.Required("--out");
        if (options.Rest.Count == 0)
        {
            throw new UsageException("peak-rss needs a command after --");
        }

        var info = new ProcessStartInfo(options.Rest[0]) { UseShellExecute = false };
        foreach (var arg in options.Rest.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }

        using var child = Process.Start(info) ?? throw new InvalidOperationException($"could not start {options.Rest[0]}");

        // The script stops what it started by pid, which is this wrapper: the command must not outlive it.
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            child.Kill(entireProcessTree: true);
        }

        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        await child.WaitForExitAsync();
        if (GetRusage(RusageChildren, out var usage) != 0)
        {
            throw new IOException($"getrusage failed: errno {Marshal.GetLastPInvokeError()}");
        }

        await File.WriteAllTextAsync(output, usage.MaxRssKib.ToString(CultureInfo.InvariantCulture) + "\n");
        return child.ExitCode;
    }

    [LibraryImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static partial int GetRusage(int who, out Rusage usage);

    /// <summary>struct rusage on 64-bit Linux: two timevals, then 14 longs of which ru_maxrss (KiB) is the first.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Rusage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
        public long MaxRssKib;
        private Rest _rest;

        [System.Runtime.CompilerServices.InlineArray(13)]
        private struct Rest
        {
            private long _element;
        }
    }
}
