namespace Sync.Integration.Tests.Infrastructure;

/// <summary>A private working directory per test, removed afterwards.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "sync-it-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string this[string name] => System.IO.Path.Combine(Path, name);

    public string Make(string name) => Directory.CreateDirectory(this[name]).FullName;

    public void Dispose()
    {
        try
        {
            MakeDeletable(Path);
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// Gives the owner access back to every directory of the tree (tests make read-only ones) without ever following
    /// a symlink: test trees hold links to an ancestor or out of the tree, and the recursive enumeration follows
    /// them, which once chmodded every directory under /tmp.
    /// </summary>
    private static void MakeDeletable(string directory)
    {
        File.SetUnixFileMode(directory, (UnixFileMode)0x1C0);
        foreach (var child in new DirectoryInfo(directory).EnumerateDirectories("*", new EnumerationOptions { AttributesToSkip = 0 }))
        {
            if (child.LinkTarget is null)
            {
                MakeDeletable(child.FullName);
            }
        }
    }
}
