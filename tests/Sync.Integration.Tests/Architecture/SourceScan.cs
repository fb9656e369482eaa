namespace Sync.Integration.Tests.Architecture;

/// <summary>
/// Reads C# sources for the architecture checks: the .cs files under a root (build output under obj/ and bin/ left
/// out), each as its code only, so a name in a comment or a string is never taken for a use.
/// </summary>
internal static class SourceScan
{
    /// <summary>Each source file below <paramref name="root"/>, as its path relative to the root and its code, in path order.</summary>
    public static IEnumerable<(string Path, string Code)> CodeFiles(string root) =>
        Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Select(file => (Path: Path.GetRelativePath(root, file), File: file))
            .Where(f => !f.Path.Split(Path.DirectorySeparatorChar).Any(part => part is "obj" or "bin"))
            .OrderBy(f => f.Path, StringComparer.Ordinal)
            .Select(f => (f.Path, CodeOnly(File.ReadAllText(f.File))));

    /// <summary>The source with comments and the contents of string and char literals blanked, line breaks kept.</summary>
    public static string CodeOnly(string text)
    {
        var code = text.ToCharArray();
        var i = 0;
        while (i < code.Length)
        {
            if (code[i] == '/' && i + 1 < code.Length && code[i + 1] == '/')
            {
                while (i < code.Length && code[i] != '\n')
                {
                    code[i++] = ' ';
                }
            }
            else if (code[i] == '/' && i + 1 < code.Length && code[i + 1] == '*')
            {
                while (i < code.Length && !(code[i] == '*' && i + 1 < code.Length && code[i + 1] == '/'))
                {
                    code[i] = code[i] == '\n' ? '\n' : ' ';
                    i++;
                }

                if (i < code.Length)
                {
                    code[i++] = ' ';
                    code[i++] = ' ';
                }
            }
            else if (code[i] is '"' or '\'')
            {
                i = BlankLiteral(code, i);
            }
            else
            {
                i++;
            }
        }

        return new string(code);
    }

    /// <summary>Blanks a string or char literal opening at <paramref name="start"/> (raw and verbatim ones too); returns the index after it.</summary>
    private static int BlankLiteral(char[] code, int start)
    {
        var quote = code[start];
        var quotes = 1;
        while (quote == '"' && start + quotes < code.Length && code[start + quotes] == '"')
        {
            quotes++;
        }

        if (quotes == 2)
        {
            return start + 2; // ""
        }

        var verbatim = start > 0 && code[start - 1] == '@';
        var i = start + quotes;
        while (i < code.Length)
        {
            if (quotes >= 3)
            {
                var run = 0;
                while (i + run < code.Length && code[i + run] == '"')
                {
                    run++;
                }

                if (run >= quotes)
                {
                    return i + run;
                }
            }
            else if (!verbatim && code[i] == '\\')
            {
                code[i++] = ' ';
            }
            else if (code[i] == quote)
            {
                if (verbatim && i + 1 < code.Length && code[i + 1] == '"')
                {
                    code[i++] = ' ';
                }
                else
                {
                    return i + 1;
                }
            }

            if (i < code.Length && code[i] != '\n')
            {
                code[i] = ' ';
            }

            i++;
        }

        return i;
    }

    public static int LineOf(string code, int index) => 1 + code.AsSpan(0, index).Count('\n');
}
