using Sync.Core.Posix;
using Sync.Testing.FileSystem;

namespace Sync.Core.Tests.FileSystem;

/// <summary>The scan's walk stats paths built in a buffer: the span form must see what the string form sees.</summary>
public sealed class PosixLStatTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("plain.deb", false)]
    [InlineData("ünïcode-файл.deb", false)]
    [InlineData("plain.deb", true)] // past the stack buffer: the UTF-8 path goes in a rented one
    [InlineData("ünïcode-файл.deb", true)]
    public void A_span_path_stats_as_its_string_does(string name, bool deep)
    {
        var directory = Directory.CreateDirectory(deep ? _temp.Combine(new string('d', 200), new string('e', 200)) : _temp.Path).FullName;
        var file = Path.Combine(directory, name);
        File.WriteAllBytes(file, [1, 2, 3]);
        var link = Path.Combine(directory, "link-" + name);
        File.CreateSymbolicLink(link, name);

        Assert.Equal(Posix.Posix.TryLStat(file), Posix.Posix.TryLStat(file.AsSpan()));
        Assert.Equal(Posix.Posix.TryLStat(link), Posix.Posix.TryLStat(link.AsSpan()));
        Assert.Equal(UnixFileKind.Symlink, Posix.Posix.TryLStat(link.AsSpan())!.Value.Kind);
        Assert.Equal(3, Posix.Posix.TryLStat(file.AsSpan())!.Value.Size);
    }

    [Fact]
    public void A_missing_span_path_is_null_and_a_failing_one_names_the_path()
    {
        var file = _temp.Combine("file");
        File.WriteAllBytes(file, [1]);

        Assert.Null(Posix.Posix.TryLStat(_temp.Combine("missing").AsSpan()));
        Assert.Null(Posix.Posix.TryLStat((file + "/below").AsSpan())); // ENOTDIR: as missing
        var tooLong = _temp.Combine(new string('x', 300));
        var e = Assert.Throws<IOException>(() => Posix.Posix.TryLStat(tooLong.AsSpan()));
        Assert.Contains(tooLong, e.Message);
    }
}
