using System.Runtime;

namespace Sync.Core;

/// <summary>
/// A full, compacting collection that returns freed memory to the system, taken where one phase of a large export or
/// import has just dropped what it built (the scan's cache and the APT check's index, the base manifest's bytes, the
/// plan's signatures). Without it the GC lets the heap grow to about twice what is live before it collects, since most
/// of what a scan allocates lives on: a 600,000-entry mirror's day peaked near 700 MiB for under 300 MiB live. Skipped
/// for small trees, where a collection costs more than it saves.
/// </summary>
internal static class MemoryTrim
{
    /// <summary>Below this many entries a trim is not worth its pause.</summary>
    public const int MinEntries = 50_000;

    public static void AfterPhase(int entries)
    {
        if (entries < MinEntries)
        {
            return;
        }

        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }
}
