namespace Sync.Testing.FileSystem;

/// <summary>A fresh directory per test under the temporary folder, deleted afterwards with everything in it.</summary>
public sealed class TempDirectory : IDisposable
{
    private const UnixFileMode OwnerAll = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode Traversable = OwnerAll | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    public TempDirectory(string prefix = "sync-test-")
    {
        Path = Directory.CreateTempSubdirectory(prefix).FullName;
        // Created 0700; opened to 0755 as the integration tests' own folders always were, so that nothing run there
        // as another user finds its way barred by the test's folder rather than by what the test is about.
        File.SetUnixFileMode(Path, Traversable);
    }

    public string Path { get; }

    /// <summary>The path of <paramref name="names"/> joined under this directory; nothing is created.</summary>
    public string Combine(params ReadOnlySpan<string> names) => System.IO.Path.Combine([Path, .. names]);

    /// <summary>Creates <paramref name="name"/> (and its parents) in this directory and returns its full path.</summary>
    public string CreateSubdirectory(string name) => Directory.CreateDirectory(Combine(name)).FullName;

    public void Dispose()
    {
        try
        {
            MakeDeletable(Path);
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A test that broke its own folder must not fail for that here; the folder is under the temporary one.
        }
    }

    /// <summary>
    /// Gives the owner access back to every directory of the tree (tests make read-only ones) without ever following
    /// a symlink: test trees hold links to an ancestor or out of the tree, and a recursive enumeration follows them,
    /// which once chmodded every directory under /tmp.
    /// </summary>
    private static void MakeDeletable(string directory)
    {
        File.SetUnixFileMode(directory, OwnerAll);
        foreach (var child in new DirectoryInfo(directory).EnumerateDirectories("*", new EnumerationOptions { AttributesToSkip = 0 }))
        {
            if (child.LinkTarget is null)
            {
                MakeDeletable(child.FullName);
            }
        }
    }
}
