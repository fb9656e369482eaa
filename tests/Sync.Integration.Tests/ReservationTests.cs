using Microsoft.Win32.SafeHandles;
using Sync.Core.FileSystem;
using Sync.Core.Posix;
using Sync.Core.Storage;
using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests;

/// <summary>
/// Reserving space for a received object (issue 9, item 10), on a small ext4 file system of the test's own: ext4
/// serves an fallocate larger than its free space by taking every free block before it fails, and keeps them
/// (FALLOC_FL_KEEP_SIZE) until the file is truncated or deleted. A reservation must check the free space first,
/// never take more than is free less a margin, and give back at once whatever a failed one took.
/// </summary>
public sealed class ReservationTests
{
    private const long FileSystemBytes = 16 << 20;

    // The file system's own bookkeeping (an inode, a directory block) may move the free space by a few blocks.
    private const long Slack = 64 << 10;

    private static async Task<long> AllocatedBytes(string path)
    {
        var stat = await Run.Ok(Run.Process("stat", ["-c", "%b %B", path]));
        var fields = stat.Stdout.Split(' ', StringSplitOptions.TrimEntries);
        return long.Parse(fields[0]) * long.Parse(fields[1]);
    }

    /// <summary>A direct writer for a new file of the small file system, reserved as the receiver reserves one.</summary>
    private static DirectFileWriter? Create(SmallFileSystem fs, string name, long length)
    {
        using var tree = LinuxFileSystem.Instance.TryOpenTree(fs.Path)!;
        return DirectFileWriter.TryCreate(tree, name, 0x1A4, length, new DirectWriteBuffers());
    }

    [SmallFileSystemFact]
    public async Task A_file_larger_than_the_free_space_is_refused_and_takes_no_block()
    {
        await using var fs = await SmallFileSystem.Ext4Async(FileSystemBytes);
        var path = Path.Combine(fs.Path, "object");
        var before = fs.Space;

        var e = Assert.ThrowsAny<IOException>(() => Create(fs, "object", before.AvailableBytes + (1L << 40)));
        Assert.True(Posix.IsDiskFull(e), e.Message);
        Assert.True(fs.Space.AvailableBytes >= before.AvailableBytes - Slack, $"free space {before.AvailableBytes} -> {fs.Space.AvailableBytes}");
        Assert.False(File.Exists(path)); // the refused file is not left behind either
        Assert.Contains("bytes are free", e.Message); // refused by the check, not by fallocate
    }

    [SmallFileSystemFact]
    public async Task A_file_that_would_eat_into_the_safety_margin_is_refused_before_fallocate()
    {
        await using var fs = await SmallFileSystem.Ext4Async(FileSystemBytes);
        var path = Path.Combine(fs.Path, "object");
        var before = fs.Space;
        Assert.True(before.SafetyMargin > 0);

        // It would fit, but would leave the other writers of the disk less than the margin.
        var e = Assert.ThrowsAny<IOException>(() => Create(fs, "object", before.Reservable + 4096));
        Assert.True(Posix.IsDiskFull(e), e.Message);
        Assert.False(File.Exists(path));
        Assert.True(fs.Space.AvailableBytes >= before.AvailableBytes - Slack);

        // The same through .NET's preallocation (the page-cache path): refused before the file is even created.
        var viaDotNet = Path.Combine(fs.Path, "object2");
        Assert.True(Posix.IsDiskFull(Assert.ThrowsAny<IOException>(() => Posix.EnsureSpaceFor(viaDotNet, before.Reservable + 4096))));
        Assert.False(File.Exists(viaDotNet));
    }

    [SmallFileSystemFact]
    public async Task A_file_that_fits_is_reserved_up_front_and_written()
    {
        await using var fs = await SmallFileSystem.Ext4Async(FileSystemBytes);
        var path = Path.Combine(fs.Path, "object");
        var data = TreeBuilder.RandomBytes(3 << 20, 7);

        await using (var writer = Create(fs, "object", data.Length))
        {
            Assert.NotNull(writer); // ext4 has O_DIRECT
            var allocated = await AllocatedBytes(path);
            Assert.True(allocated >= data.Length, $"{allocated} bytes allocated for {data.Length}");
            await writer.AppendAsync(data, CancellationToken.None);
            await writer.CompleteAsync(CancellationToken.None);
        }

        Assert.Equal(data, await File.ReadAllBytesAsync(path));
        Posix.EnsureSpaceFor(Path.Combine(fs.Path, "next"), fs.Space.Reservable); // exactly what is reservable passes
    }

    [SmallFileSystemFact]
    public async Task A_reservation_that_fails_all_the_same_gives_back_what_ext4_took()
    {
        await using var fs = await SmallFileSystem.Ext4Async(FileSystemBytes);
        var path = Path.Combine(fs.Path, "object");
        var before = fs.Space;

        // Past the check (as when another writer fills the disk between the check and the reservation).
        using (SafeFileHandle file = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite))
        {
            var e = Assert.ThrowsAny<IOException>(() => Posix.ReserveUnchecked(file, path, before.AvailableBytes + (64 << 20)));
            Assert.True(Posix.IsDiskFull(e), e.Message);
            Assert.Equal(0, await AllocatedBytes(path));
            Assert.True(fs.Space.AvailableBytes >= before.AvailableBytes - Slack, $"free space {before.AvailableBytes} -> {fs.Space.AvailableBytes}");
        }
    }
}
