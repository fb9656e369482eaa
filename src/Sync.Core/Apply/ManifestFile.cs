using Sync.Core.FileSystem;

namespace Sync.Core.Apply;

/// <summary>
/// A generation's manifest bytes where they lie in a tree (the receive's objects, the state's manifests), checked
/// against the signed digest when they were written, so a publish copies them from there instead of holding them.
/// Borrows its tree.
/// </summary>
public sealed record ManifestFile(IDirectoryTree Tree, string Path)
{
    /// <summary>Reads the bytes from the start, buffered; the stream owns the file it opened.</summary>
    public Stream OpenRead() => new BufferedStream(new FileHandleStream(Tree.OpenRead(Path), writable: false, ownsHandle: true), 1 << 16);
}
