using Sync.Core.FileSystem;
using Sync.Testing.FileSystem;

namespace Sync.Core.Tests.FileSystem;

/// <summary>The copies move a file's bytes a slice at a time: a file of several slices and a short last one arrives whole.</summary>
public sealed class TreeOperationsTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly byte[] _content = new byte[(2 << 20) + 12345];

    public TreeOperationsTests()
    {
        new Random(7).NextBytes(_content);
        Directory.CreateDirectory(_dir.Combine("a"));
        Directory.CreateDirectory(_dir.Combine("b"));
        File.WriteAllBytes(_dir.Combine("a/source"), _content);
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>Into the other tree over an older file, or onto the source itself (rewritten whole).</summary>
    [Theory]
    [InlineData("b", "copy")]
    [InlineData("a", "source")]
    public void Copying_atomically_writes_every_slice_and_leaves_no_temporary_file(string toTree, string toName)
    {
        File.WriteAllText(_dir.Combine("b/copy"), "old");
        using var from = LinuxFileSystem.Instance.TryOpenTree(_dir.Combine("a"))!;
        using var to = LinuxFileSystem.Instance.TryOpenTree(_dir.Combine(toTree))!;

        from.CopyAtomically("source", to, toName);

        Assert.Equal(_content, File.ReadAllBytes(_dir.Combine(toTree, toName)));
        Assert.Equal(new[] { toName }, to.List(string.Empty));
    }

    [Fact]
    public void Copying_a_file_writes_every_slice_with_the_mode_asked_for()
    {
        using var from = LinuxFileSystem.Instance.TryOpenTree(_dir.Combine("a"))!;
        using var to = LinuxFileSystem.Instance.TryOpenTree(_dir.Combine("b"))!;

        from.CopyFile("source", to, "copy", 0x180);

        Assert.Equal(_content, File.ReadAllBytes(_dir.Combine("b/copy")));
        Assert.Equal(0x180, to.TryStat("copy")!.Value.Mode & 0xFFF);
    }
}
