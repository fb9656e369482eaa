using System.CommandLine;

namespace Sync.Hosting;

/// <summary>
/// Names a mistyped command in the usage error ("unknown command 'improt'; did you mean 'import'?") instead of the
/// parser's generic complaint about an unrecognised argument. Called once per failed parse, before anything runs.
/// </summary>
public static class CommandSuggestion
{
    /// <summary>The message for a first word that is not a command of <paramref name="root"/>, or null when it is one.</summary>
    public static string? Describe(RootCommand root, IReadOnlyList<string> args)
    {
        // Only the first word: a later one may be an option's value (the command always comes first).
        var word = args.Count > 0 && !args[0].StartsWith('-') ? args[0] : null;
        var names = root.Subcommands.SelectMany(c => c.Aliases.Prepend(c.Name)).ToList();
        if (word is null || names.Contains(word, StringComparer.Ordinal))
        {
            return null;
        }

        var closest = names
            .Select(n => (Name: n, Distance: Distance(word.ToLowerInvariant(), n)))
            .Where(c => c.Distance <= Math.Max(1, c.Name.Length / 3) || c.Name.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            .OrderBy(c => c.Distance)
            .Select(c => c.Name)
            .FirstOrDefault();
        return closest is null
            ? $"unknown command '{word}'; the commands are {string.Join(", ", root.Subcommands.Select(c => c.Name))}"
            : $"unknown command '{word}'; did you mean '{closest}'?";
    }

    /// <summary>Optimal string alignment distance: edits, with a swap of two neighbours counted as one ("improt").</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
