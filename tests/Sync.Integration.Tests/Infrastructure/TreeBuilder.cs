namespace Sync.Integration.Tests.Infrastructure;

/// <summary>Writes files with given content, mode and mtime into a source tree.</summary>
public static class TreeBuilder
{
    public static string Write(string root, string path, byte[] content, UnixFileMode mode = (UnixFileMode)0x1A4, DateTime? mtime = null)
    {
        var full = Path.Combine(root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, content);
        File.SetUnixFileMode(full, mode);
        File.SetLastWriteTimeUtc(full, mtime ?? new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc).AddTicks(Random.Shared.Next(1, 10_000_000)));
        return full;
    }

    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
