namespace Sync.Testing.FileSystem;

/// <summary>What a power cut keeps of what was not yet durable.</summary>
public enum CrashVariant
{
    /// <summary>Nothing: only what was fsynced (files) and what synced directories hold.</summary>
    DurableOnly,

    /// <summary>Everything, as if the cache was written out just in time (what a SIGKILL leaves).</summary>
    Everything,

    /// <summary>
    /// A random prefix of the metadata operations not yet durable (the file system commits them in order), and for
    /// each file its durable data, its latest data, or a mix of the two page by page (a torn write).
    /// </summary>
    Random,
}
