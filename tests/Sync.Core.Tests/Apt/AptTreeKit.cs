using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sync.Core.Scanning;
using Sync.Core.Storage;
using Sync.Testing.FileSystem;

namespace Sync.Core.Tests.Apt;

/// <summary>
/// A small APT repository written by hand, shaped as reprepro writes one: pool files (one of several chunks), a Packages
/// index with its .gz, a Sources index, and dists/stable/Release and InRelease listing them with sizes and SHA-256.
/// </summary>
internal sealed class AptTreeKit : IDisposable
{
    private readonly TempDirectory _dir = new();

    public AptTreeKit()
    {
        Root = _dir.CreateSubdirectory("repo");
        State = _dir.CreateSubdirectory("state");
        Write("pool/main/h/hello/hello_1.0_amd64.deb", Random(3 << 20, 1)); // several chunks: the scan keeps its plain SHA-256
        Write("pool/main/t/tiny/tiny_1.0_all.deb", Random(2000, 2));
        Write("pool/main/h/hello/hello_1.0.dsc", Random(700, 3));
        Write("pool/main/h/hello/hello_1.0.tar.gz", Random(5000, 4));
        Write("conf/distributions", Encoding.UTF8.GetBytes("Codename: stable\nComponents: main\nArchitectures: amd64 source\n"));
        WriteIndices();
    }

    public string Root { get; }

    public string State { get; }

    public string Pool(string name) => Path.Combine(Root, name);

    public void Write(string path, byte[] bytes)
    {
        var full = Path.Combine(Root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, bytes);
    }

    /// <summary>Writes Packages (and .gz), Sources, then Release and InRelease over them, as a finished reprepro run leaves them.</summary>
    public void WriteIndices(bool release = true)
    {
        var packages = new StringBuilder();
        foreach (var deb in new[] { "pool/main/h/hello/hello_1.0_amd64.deb", "pool/main/t/tiny/tiny_1.0_all.deb" })
        {
            var bytes = File.ReadAllBytes(Path.Combine(Root, deb));
            packages.Append($"Package: {Path.GetFileName(deb).Split('_')[0]}\nVersion: 1.0\nFilename: {deb}\nSize: {bytes.Length}\n");
            packages.Append($"MD5sum: {Convert.ToHexStringLower(MD5.HashData(bytes))}\nSHA256: {Convert.ToHexStringLower(SHA256.HashData(bytes))}\nDescription: x\n more\n\n");
        }

        var sources = new StringBuilder("Package: hello\nVersion: 1.0\nDirectory: pool/main/h/hello\nChecksums-Sha256:\n");
        foreach (var name in new[] { "hello_1.0.dsc", "hello_1.0.tar.gz" })
        {
            var bytes = File.ReadAllBytes(Path.Combine(Root, "pool/main/h/hello", name));
            sources.Append($" {Convert.ToHexStringLower(SHA256.HashData(bytes))} {bytes.Length} {name}\n");
        }

        Write("dists/stable/main/binary-amd64/Packages", Encoding.UTF8.GetBytes(packages.ToString()));
        Write("dists/stable/main/binary-amd64/Packages.gz", Gzip(Encoding.UTF8.GetBytes(packages.ToString())));
        Write("dists/stable/main/binary-amd64/Release", Encoding.UTF8.GetBytes("Component: main\nArchitecture: amd64\n"));
        Write("dists/stable/main/source/Sources.gz", Gzip(Encoding.UTF8.GetBytes(sources.ToString())));
        if (release)
        {
            WriteRelease();
        }
    }

    public void WriteRelease()
    {
        var release = new StringBuilder("Codename: stable\nComponents: main\nArchitectures: amd64\nSHA256:\n");
        foreach (var index in new[]
        {
            "main/binary-amd64/Packages", "main/binary-amd64/Packages.gz", "main/binary-amd64/Packages.xz", // .xz listed, never written
            "main/binary-amd64/Release", "main/source/Sources", "main/source/Sources.gz",
        })
        {
            var full = Path.Combine(Root, "dists/stable", index);
            if (File.Exists(full))
            {
                var bytes = File.ReadAllBytes(full);
                release.Append($" {Convert.ToHexStringLower(SHA256.HashData(bytes))} {bytes.Length,8} {index}\n");
            }
            else
            {
                release.Append($" {new string('0', 64)} {123,8} {index}\n");
            }
        }

        Write("dists/stable/Release", Encoding.UTF8.GetBytes(release.ToString()));
        var signed = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n" + release +
            "-----BEGIN PGP SIGNATURE-----\n\niQEzBAEBCgAdFiEE\n=abcd\n-----END PGP SIGNATURE-----\n";
        Write("dists/stable/InRelease", Encoding.UTF8.GetBytes(signed));
    }

    public async Task<ScanResult> ScanAsync(bool contentHashes = true)
    {
        using var signatures = new SignatureStore(Path.Combine(State, "signatures"));
        return await new TreeScanner(NullLogger.Instance).ScanAsync(
            Root, new ScanCache(), signatures, new ScanOptions { WantsContentSha256 = contentHashes }, new OperationProgress(), CancellationToken.None);
    }

    public static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }

    public void Dispose() => _dir.Dispose();
}
