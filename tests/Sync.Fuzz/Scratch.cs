namespace Sync.Fuzz;

/// <summary>
/// A private folder for targets that read files (state files, bundles): under TMPDIR, which scripts/fuzz.sh points at
/// a tmpfs it removes afterwards, so millions of runs neither wear a disk nor leave anything behind.
/// </summary>
internal static class Scratch
{
    private static readonly Lazy<string> Root = new(() =>
        Directory.CreateTempSubdirectory($"sync-fuzz-{Environment.ProcessId}-").FullName);

    /// <summary>An empty folder named <paramref name="name"/>, emptied first if an earlier run left something.</summary>
    public static string Fresh(string name)
    {
        var path = Path.Combine(Root.Value, name);
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }

        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Writes <paramref name="bytes"/> as <paramref name="file"/> in a fresh folder <paramref name="folder"/>; returns the folder.</summary>
    public static string WriteFresh(string folder, string file, ReadOnlyMemory<byte> bytes)
    {
        var path = Fresh(folder);
        File.WriteAllBytes(Path.Combine(path, file), bytes.ToArray());
        return path;
    }

    /// <summary>Removes the process's scratch folder; called when a replay or a seed run ends.</summary>
    public static void Remove()
    {
        if (Root.IsValueCreated && Directory.Exists(Root.Value))
        {
            Directory.Delete(Root.Value, recursive: true);
        }
    }
}
