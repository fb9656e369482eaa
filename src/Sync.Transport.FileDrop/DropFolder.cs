using Sync.Core;

namespace Sync.Transport.FileDrop;

/// <summary>
/// The folder bundles are written into and imported from. Both agents check it before they start anything, and the
/// catalog and the writer check it again for other callers: one check, so the refusal reads the same everywhere.
/// </summary>
public static class DropFolder
{
    /// <summary>Returns <paramref name="path"/> when it names an existing folder; refuses it as a usage error otherwise.</summary>
    public static string RequireExisting(string path)
    {
        if (!Directory.Exists(path))
        {
            throw SyncException.Usage($"drop folder '{path}' does not exist");
        }

        return path;
    }
}
