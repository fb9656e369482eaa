using System.Text;
using Sync.Core;
using Sync.Core.Paths;

namespace Sync.Core.Tests.Paths;

public sealed class RelativePathTests
{
    [Theory]
    [InlineData("pool/main/s/sample/sample_1.0_amd64.deb")]
    [InlineData("dists/sample/InRelease")]
    [InlineData("a")]
    [InlineData("ünïcode/файл")]
    [InlineData("name with spaces/x..y")]
    public void Accepts_clean_relative_paths(string path) => RelativePath.Validate(path);

    [Theory]
    [InlineData("", "empty")]
    [InlineData("/etc/passwd", "absolute")]
    [InlineData("../etc/passwd", "'..'")]
    [InlineData("pool/../../etc", "'..'")]
    [InlineData("pool/./x", "'.'")]
    [InlineData("pool//x", "empty segment")]
    [InlineData("pool/x/", "ends with")]
    [InlineData("pool\\x", "backslash")]
    [InlineData("pool/\0x", "NUL")]
    [InlineData("pool/\nx", "control")]
    public void Refuses_hostile_paths(string path, string reason)
    {
        var e = Assert.Throws<SyncException>(() => RelativePath.Validate(path));
        Assert.Equal(SyncErrorKind.Refused, e.Kind);
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void Orders_as_utf8_bytes_do_for_any_mix_of_surrogates_and_high_characters()
    {
        // Surrogate pairs, lone halves, U+E000..U+FFFF and plain characters: the shapes where UTF-16 and UTF-8 orders differ.
        string[] pieces = ["a", "b", "/", "é", "\uE000", "\uFFFF", "\uD83D\uDE00", "\uD800\uDC00", "\uDBFF\uDFFF", "\uD800", "\uDC00"];
        var random = new Random(20261206);
        for (var i = 0; i < 20_000; i++)
        {
            var a = Draw(random, pieces);
            var b = random.Next(4) == 0 ? a + Draw(random, pieces) : Draw(random, pieces);
            var expected = Math.Sign(Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b)));
            Assert.True(expected == Math.Sign(RelativePath.Compare(a, b)), $"'{Escape(a)}' vs '{Escape(b)}': expected {expected}");
            Assert.Equal(-expected, Math.Sign(RelativePath.Compare(b, a)));
        }

        Assert.True(RelativePath.Compare(null, "a") < 0);
        Assert.Equal(0, RelativePath.Compare(null, null));
    }

    private static string Draw(Random random, string[] pieces) =>
        string.Concat(Enumerable.Range(0, random.Next(0, 5)).Select(_ => pieces[random.Next(pieces.Length)]));

    private static string Escape(string s) => string.Concat(s.Select(c => c < 0x80 ? c.ToString() : $"\\u{(int)c:X4}"));

    [Fact]
    public void Refuses_overlong_segments_and_paths()
    {
        Assert.NotNull(RelativePath.FindProblem(new string('a', 256)));
        Assert.Null(RelativePath.FindProblem(new string('a', 255)));

        // Counted in UTF-8 bytes, not characters: 128 two-byte letters are 256 bytes, 85 three-byte ones are 255.
        Assert.Contains("segment longer", RelativePath.FindProblem("pool/" + new string('é', 128)));
        Assert.Null(RelativePath.FindProblem("pool/" + new string('é', 127)));
        Assert.Null(RelativePath.FindProblem(new string('€', 85) + "/x"));
        Assert.NotNull(RelativePath.FindProblem(new string('€', 86) + "/x"));
        Assert.NotNull(RelativePath.FindProblem(string.Join('/', Enumerable.Repeat(new string('b', 200), 30))));
    }

    [Fact]
    public void Refuses_broken_surrogates() => Assert.NotNull(RelativePath.FindProblem("a\uD800b"));

    [Theory]
    [InlineData("dists/stable", "sample", null)]
    [InlineData("dists/stable", "../pool", null)]
    [InlineData("a/b/c", "../../x", null)]
    [InlineData("a/b/c", "../../../x", "outside")]
    [InlineData("link", "../outside", "outside")]
    [InlineData("link", "/etc/passwd", "absolute")]
    [InlineData("link", "", "empty")]
    public void Checks_symlink_targets_stay_inside(string link, string target, string? problem)
    {
        var found = RelativePath.FindLinkTargetProblem(link, target);
        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.Contains(problem, found);
        }
    }

    [Fact]
    public void Orders_by_utf8_bytes()
    {
        var paths = new List<string> { "b", "a/b", "a", "a-c", "\uE000", "\U0001F600" };
        paths.Sort(RelativePath.Compare);
        Assert.Equal(["a", "a-c", "a/b", "b", "\uE000", "\U0001F600"], paths);
    }
}
