using Sync.Integration.Tests.Infrastructure;
using Sync.Testing.FileSystem;

namespace Sync.Integration.Tests.Architecture;

/// <summary>
/// One job per file (issue 12): no C# source file under src/ holds more than <see cref="MaxLines"/> lines. A file that
/// grows past it is split along its responsibilities, not raised past the limit. Generated files under obj/ and
/// build output under bin/ do not count.
/// </summary>
public sealed class SourceFileSizeTests
{
    private const int MaxLines = 400;

    [Fact]
    public void No_source_file_under_src_is_longer_than_the_limit()
    {
        var source = Path.Combine(RepoPaths.Root, "src");
        Assert.NotEmpty(SourceFiles(source));

        var oversized = Oversized(source, MaxLines);

        Assert.True(oversized.Count == 0,
            $"{oversized.Count} file(s) under src/ exceed {MaxLines} lines; split them along their responsibilities:\n" +
            string.Join('\n', oversized.Select(f => $"  {f.Path}: {f.Lines} lines")));
    }

    [Fact]
    public void The_check_names_a_file_over_the_limit_with_its_count_and_skips_build_output()
    {
        using var temp = new TempDirectory();
        var project = temp.CreateSubdirectory("Sync.Example");
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
