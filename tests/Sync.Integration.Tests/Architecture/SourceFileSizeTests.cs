using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests.Architecture;

/// <summary>
/// One job per file (issue 12): no C# source file under src/ holds more than <see cref="MaxLines"/> lines. A file that
/// grows past it is split along its responsibilities, not raised past the limit. Generated files under obj/ and
/// build output under bin/ do not count. The files still being split elsewhere are listed: the list is a ratchet, so
/// a listed file that is back within the limit fails too, until it is struck from the list.
/// </summary>
public sealed class SourceFileSizeTests
{
    private const int MaxLines = 400;

    /// <summary>Paths relative to src/, with '/'.</summary>
    private static readonly string[] NotYetSplit =
    [
        "Sync.Core/Delta/DeltaEncoder.cs", // changed by the recompress work of issue 12, which splits it
    ];

    [Fact]
    public void No_source_file_under_src_is_longer_than_the_limit()
    {
        var source = Path.Combine(RepoPaths.Root, "src");
        Assert.NotEmpty(SourceFiles(source));

        var oversized = Oversized(source, MaxLines);

        var unexpected = oversized.Where(f => !NotYetSplit.Contains(f.Path.Replace(Path.DirectorySeparatorChar, '/'))).ToList();
        Assert.True(unexpected.Count == 0,
            $"{unexpected.Count} file(s) under src/ exceed {MaxLines} lines; split them along their responsibilities:\n" +
            string.Join('\n', unexpected.Select(f => $"  {f.Path}: {f.Lines} lines")));
        var done = NotYetSplit.Where(listed => !oversized.Any(f => f.Path.Replace(Path.DirectorySeparatorChar, '/') == listed)).ToList();
        Assert.True(done.Count == 0, $"within {MaxLines} lines now (or gone), strike from {nameof(NotYetSplit)}: {string.Join(", ", done)}");
    }

    [Fact]
    public void The_check_names_a_file_over_the_limit_with_its_count_and_skips_build_output()
    {
        using var temp = new TempDirectory();
        var project = temp.Make("Sync.Example");
        File.WriteAllLines(Path.Combine(project, "Short.cs"), Enumerable.Repeat("// line", MaxLines));
        File.WriteAllLines(Path.Combine(project, "Long.cs"), Enumerable.Repeat("// line", MaxLines + 1));
        var generated = Directory.CreateDirectory(Path.Combine(project, "obj", "Release")).FullName;
        File.WriteAllLines(Path.Combine(generated, "Generated.cs"), Enumerable.Repeat("// line", 5000));
        var built = Directory.CreateDirectory(Path.Combine(project, "bin")).FullName;
        File.WriteAllLines(Path.Combine(built, "Copied.cs"), Enumerable.Repeat("// line", 5000));

        var oversized = Oversized(temp.Path, MaxLines);

        var only = Assert.Single(oversized);
        Assert.Equal(Path.Combine("Sync.Example", "Long.cs"), only.Path);
        Assert.Equal(MaxLines + 1, only.Lines);
    }

    /// <summary>The .cs files below <paramref name="root"/> with more than <paramref name="maxLines"/> lines, longest first.</summary>
    private static List<(string Path, int Lines)> Oversized(string root, int maxLines) =>
        [.. SourceFiles(root)
            .Select(file => (Path: Path.GetRelativePath(root, file), Lines: File.ReadLines(file).Count()))
            .Where(f => f.Lines > maxLines)
            .OrderByDescending(f => f.Lines)];

    private static IEnumerable<string> SourceFiles(string root) =>
        Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(file => !Path.GetRelativePath(root, file).Split(Path.DirectorySeparatorChar).Any(part => part is "obj" or "bin"));
}
