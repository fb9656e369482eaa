using Sync.Core.FileSystem;
using Sync.Core.Posix;
using Sync.Testing.FileSystem;

namespace Sync.Core.Tests.FileSystem;

/// <summary>
/// A tree never resolves a path through a symlink and never leaves its directory, whichever way the kernel is asked
/// (openat2, or one component at a time where openat2 is missing).
/// </summary>
[Collection(nameof(ComponentWalkCollection))]
public sealed class LinuxDirectoryTreeTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _outside;

    public LinuxDirectoryTreeTests()
    {
        Directory.CreateDirectory(_dir.Combine("tree/real"));
        _outside = Directory.CreateDirectory(_dir.Combine("outside")).FullName;
        File.WriteAllText(Path.Combine(_outside, "victim"), "must survive");
        File.CreateSymbolicLink(_dir.Combine("tree/escape"), _outside);
        File.CreateSymbolicLink(_dir.Combine("tree/up"), "..");
        File.CreateSymbolicLink(_dir.Combine("tree/inside"), "real");
        File.WriteAllText(_dir.Combine("tree/real/file"), "inside");
    }

    public void Dispose()
    {
        LinuxDirectoryTree.ForceComponentWalk = false;
        _dir.Dispose();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Nothing_resolves_through_a_symlink_whether_it_points_out_of_the_tree_or_into_it(bool componentWalk)
    {
        LinuxDirectoryTree.ForceComponentWalk = componentWalk;
        using var tree = LinuxFileSystem.Instance.TryOpenTree(_dir.Combine("tree"))!;
        var before = Posix.Posix.LStat(_outside);

        foreach (var link in new[] { "escape", "up", "inside" })
        {
            Assert.Equal(UnixFileKind.Symlink, tree.TryStat(link)!.Value.Kind);
            Assert.Null(tree.TryStat(link + "/victim"));
            Assert.Null(tree.TryStat(link + "/file"));
            Assert.Throws<TreePathException>(() => tree.DeleteFile(link + "/victim"));
            Assert.Throws<TreePathException>(() => tree.CreateFile(link + "/new", 0x1A4));
            Assert.Throws<TreePathException>(() => tree.CreateDirectory(link + "/new", 0x1ED));
            Assert.Throws<TreePathException>(() => tree.SetMode(link + "/victim", 0x1FF));
            Assert.Throws<TreePathException>(() => tree.SetMtime(link + "/victim", 0));
            Assert.Throws<TreePathException>(() => tree.Rename("real/file", tree, link + "/moved"));
            Assert.Throws<TreePathException>(() => tree.OpenTree(link));
        }

        // The last component is acted on itself: a symlink is opened as a symlink, never as what it points at.
        Assert.Throws<TreePathException>(() => tree.OpenRead("inside"));
        Assert.ThrowsAny<IOException>(() => tree.SetMode("escape", 0x1FF));
        tree.SetMtime("escape", 1_000_000_000);
        Assert.Equal(1_000_000_000, tree.TryStat("escape")!.Value.MtimeNs);
        Assert.Equal("must survive", File.ReadAllText(Path.Combine(_outside, "victim")));
        Assert.Equal(before, Posix.Posix.LStat(_outside));
    }

    [Fact]
    public void Paths_that_are_not_plain_and_relative_are_refused_before_any_call()
    {
        using var tree = LinuxFileSystem.Instance.TryOpenTree(_dir.Combine("tree"))!;
        foreach (var path in new[] { "/etc/passwd", "../outside/victim", "real/../../outside", "real//file", "./real", "real/" })
        {
            Assert.Throws<ArgumentException>(() => tree.TryStat(path));
            Assert.Throws<ArgumentException>(() => tree.DeleteFile(path));
        }
    }

    [Fact]
    public void Removing_a_tree_removes_links_not_what_they_point_at()
    {
        using var tree = LinuxFileSystem.Instance.TryOpenTree(_dir.Path)!;
        tree.RemoveTree("tree");
        Assert.False(Directory.Exists(_dir.Combine("tree")));
        Assert.Equal("must survive", File.ReadAllText(Path.Combine(_outside, "victim")));
    }

    [Fact]
    public void Files_move_link_and_swap_between_trees_of_one_file_system()
    {
        using var a = LinuxFileSystem.Instance.CreateTree(_dir.Combine("a"));
        using var b = LinuxFileSystem.Instance.CreateTree(_dir.Combine("b"));
        using (var file = a.CreateFile("one", 0x180))
        {
            file.Write("first"u8, 0);
        }

        Assert.ThrowsAny<IOException>(() => a.CreateFile("one", 0x180)); // never opens what is there
        a.Link("one", b, "linked");
        Assert.Equal(2u, b.TryStat("linked")!.Value.LinkCount);
        a.CreateDirectories("d/e");
        a.Rename("one", a, "d/e/moved");
        b.CreateDirectory("dir", 0x1ED);
        a.Exchange("d", b, "dir");
        Assert.Equal("first", File.ReadAllText(_dir.Combine("b/dir/e/moved")));
        Assert.Empty(a.List("d"));
        Assert.Equal(["dir", "linked"], b.List(string.Empty).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_lock_is_held_by_one_owner_at_a_time()
    {
        using var tree = LinuxFileSystem.Instance.TryOpenTree(_dir.Path)!;
        using var other = LinuxFileSystem.Instance.TryOpenTree(_dir.Path)!;
        using (var held = tree.TryLock("state.lock"))
        {
            Assert.NotNull(held);
            Assert.Null(other.TryLock("state.lock"));
        }

        using var again = other.TryLock("state.lock");
        Assert.NotNull(again);
    }

    [Fact]
    public void Writing_atomically_leaves_no_temporary_file_and_replaces_the_old_content()
    {
        using var tree = LinuxFileSystem.Instance.TryOpenTree(_dir.Combine("tree"))!;
        tree.WriteAtomically("real/state.json", "old"u8);
        tree.WriteAtomically("real/state.json", "new"u8);
        Assert.Equal("new", File.ReadAllText(_dir.Combine("tree/real/state.json")));
        Assert.Equal(new[] { "file", "state.json" }, tree.List("real").Order(StringComparer.Ordinal));
    }
}

/// <summary>The component-walk switch is process-wide: tests that set it do not run beside others of this collection.</summary>
[CollectionDefinition(nameof(ComponentWalkCollection), DisableParallelization = true)]
public sealed class ComponentWalkCollection;
