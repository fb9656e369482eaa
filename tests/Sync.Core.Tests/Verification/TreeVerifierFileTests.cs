using System.Security.Cryptography;
using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Testing.FileSystem;
using Sync.Core.Verification;

namespace Sync.Core.Tests.Verification;

/// <summary>`verify` names every way a published file differs, so a touched mtime or a changed mode never hides changed bytes.</summary>
public sealed class TreeVerifierFileTests
{
    private static readonly DateTime When = new(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    private static ManifestEntry Entry(string path, byte[] content)
    {
        var chunk = new ChunkRef(Digest.Compute(content), content.Length);
        var digest = Digest.FromBytes(SHA256.HashData(chunk.Digest.ToArray()));
        var mtimeNs = (When - DateTime.UnixEpoch).Ticks * 100;
        return new ManifestEntry(path, EntryKind.File, 0x1A4, mtimeNs, content.Length, digest, [chunk], null);
    }

    private static async Task<IReadOnlyList<string>> VerifyAsync(string root, params ManifestEntry[] entries) =>
        await TreeVerifier.VerifyAsync(root, new Manifest(1, DateTimeOffset.UnixEpoch, entries), new OperationProgress(), CancellationToken.None);

    private static string Publish(TempDirectory dir, string name, byte[] content, UnixFileMode mode, DateTime mtime)
    {
        var root = Directory.CreateDirectory(dir.Combine("published")).FullName;
        var path = Path.Combine(root, name);
        File.WriteAllBytes(path, content);
        File.SetUnixFileMode(path, mode);
        File.SetLastWriteTimeUtc(path, mtime);
        return root;
    }

    [Fact]
    public async Task An_intact_file_verifies()
    {
        using var dir = new TempDirectory();
        byte[] content = [1, 2, 3, 4];
        var root = Publish(dir, "a.deb", content, (UnixFileMode)0x1A4, When);
        Assert.Empty(await VerifyAsync(root, Entry("a.deb", content)));
    }

    [Fact]
    public async Task A_changed_mode_and_mtime_do_not_hide_changed_bytes()
    {
        using var dir = new TempDirectory();
        var root = Publish(dir, "a.deb", [1, 2, 3, 5], (UnixFileMode)0x180, When.AddSeconds(7));
        Assert.Equal(["mode, mtime and content differ: a.deb"], await VerifyAsync(root, Entry("a.deb", [1, 2, 3, 4])));
    }

    [Fact]
    public async Task One_aspect_reads_as_before()
    {
        using var dir = new TempDirectory();
        byte[] content = [1, 2, 3, 4];
        var root = Publish(dir, "a.deb", content, (UnixFileMode)0x1A4, When.AddSeconds(7));
        Assert.Equal(["mtime differs: a.deb"], await VerifyAsync(root, Entry("a.deb", content)));
    }

    [Fact]
    public async Task A_truncated_file_is_named_by_its_size()
    {
        using var dir = new TempDirectory();
        var root = Publish(dir, "a.deb", [1, 2], (UnixFileMode)0x1A4, When);
        Assert.Equal(["size differs: a.deb"], await VerifyAsync(root, Entry("a.deb", [1, 2, 3, 4])));
    }
}
