using Sync.Core.FileSystem;
using Sync.Core.Storage;
using Sync.Testing.FileSystem;

namespace Sync.Core.Tests.Storage;

public sealed class DirectFileWriterTests
{
    private const int Buffer = DirectWriteBuffers.BufferBytes;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4095)]
    [InlineData(4096)]
    [InlineData(Buffer - 1)]
    [InlineData(Buffer)]
    [InlineData(Buffer + 1)]
    [InlineData(2 * Buffer + 4096)]
    [InlineData(3 * Buffer + 12345)]
    public async Task Writes_exactly_the_appended_bytes_whatever_the_pieces(int length)
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("object");
        var data = new byte[length];
        var random = new Random(length);
        random.NextBytes(data);
        var buffers = new DirectWriteBuffers();

        using var tree = LinuxFileSystem.Instance.TryOpenTree(dir.Path)!;
        var writer = DirectFileWriter.TryCreate(tree, "object", 0x1A4, length, buffers);
        Assert.NotNull(writer); // the test directory is on ext4 here, which has O_DIRECT
        await using (writer)
        {
            for (var at = 0; at < length;)
            {
                var piece = Math.Min(length - at, random.Next(1, 3 << 20));
                await writer.AppendAsync(data.AsMemory(at, piece), CancellationToken.None);
                at += piece;
            }

            Assert.Equal(length, writer.Length);
            await writer.CompleteAsync(CancellationToken.None);
        }

        Assert.Equal(data, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task Reuses_its_buffers_for_the_next_file_without_leaking_bytes()
    {
        using var dir = new TempDirectory();
        var buffers = new DirectWriteBuffers();
        var first = Enumerable.Repeat((byte)0xAA, Buffer + 5000).ToArray();
        var second = Enumerable.Repeat((byte)0x55, 3000).ToArray();
        using var tree = LinuxFileSystem.Instance.TryOpenTree(dir.Path)!;
        foreach (var (name, data) in new[] { ("a", first), ("b", second) })
        {
            await using var writer = DirectFileWriter.TryCreate(tree, name, 0x1A4, data.Length, buffers)!;
            await writer.AppendAsync(data, CancellationToken.None);
            await writer.CompleteAsync(CancellationToken.None);
        }

        Assert.Equal(first, await File.ReadAllBytesAsync(dir.Combine("a")));
        Assert.Equal(second, await File.ReadAllBytesAsync(dir.Combine("b")));
    }

    [Fact]
    public async Task Disposed_without_completing_keeps_what_was_appended_for_a_resume()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("object");
        var data = new byte[2 * Buffer + 777];
        new Random(3).NextBytes(data);

        using var tree = LinuxFileSystem.Instance.TryOpenTree(dir.Path)!;
        await using (var writer = DirectFileWriter.TryCreate(tree, "object", 0x1A4, 10 * Buffer, new DirectWriteBuffers())!)
        {
            await writer.AppendAsync(data, CancellationToken.None);
        }

        Assert.Equal(data, await File.ReadAllBytesAsync(path));
    }
}
