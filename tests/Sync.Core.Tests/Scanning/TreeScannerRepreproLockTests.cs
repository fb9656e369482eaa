using Microsoft.Extensions.Logging.Abstractions;
using Sync.Core.Manifests;
using Sync.Core.Scanning;
using Sync.Core.Storage;
using Sync.Testing.FileSystem;

namespace Sync.Core.Tests.Scanning;

/// <summary>
/// A scan taken while reprepro runs on the outside (Landscape syncs a pocket for hours) must not carry its lock file: on
/// the inside it would be a lock nobody holds, refused as a local change or waited for until the timeout.
/// </summary>
public sealed class TreeScannerRepreproLockTests
{
    [Fact]
    public async Task A_reprepro_bases_lock_file_is_not_carried_and_other_files_named_so_are()
    {
        using var dir = new TempDirectory();
        var root = dir.CreateSubdirectory("standalone");
        foreach (var file in new[]
        {
            "conf/distributions", "db/lockfile", "db/packages.db", // a base at the root (a plain reprepro tree)
            "ubuntu/conf/distributions", "ubuntu/db/lockfile", "ubuntu/db/packages.db", // a base below it (Landscape)
            "notes/db/lockfile", // no conf/distributions beside it: not reprepro's, carried
        })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(root, file))!);
            File.WriteAllText(Path.Combine(root, file), file == "notes/db/lockfile" ? "kept" : string.Empty);
        }

        using var signatures = new SignatureStore(dir.CreateSubdirectory("state"));
        var scan = await new TreeScanner(NullLogger.Instance).ScanAsync(
            root, new ScanCache(), signatures, new ScanOptions(), new OperationProgress(), CancellationToken.None);

        var files = scan.Entries.Where(e => e.Kind == EntryKind.File).Select(e => e.Path).ToList();
        Assert.Equal(["conf/distributions", "db/packages.db", "notes/db/lockfile", "ubuntu/conf/distributions", "ubuntu/db/packages.db"], files);
        Assert.Equal(["db/lockfile", "ubuntu/db/lockfile"], scan.Skipped);
    }
}
