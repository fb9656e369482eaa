namespace Sync.Hosting.Configuration;

/// <summary>
/// A command line with the configuration merged in: the arguments System.CommandLine parses, and for each option whose
/// value came from the file or the environment (by its long name, "--keep"), where it came from, so a refusal of that
/// value names the file and the key rather than an option the operator never typed.
/// </summary>
public sealed class ConfiguredCommandLine(IReadOnlyList<string> arguments, IReadOnlyDictionary<string, ConfigurationSource> sources)
{
    private static readonly AsyncLocal<ConfiguredCommandLine?> CurrentLine = new();

    public IReadOnlyList<string> Arguments { get; } = arguments;

    public IReadOnlyDictionary<string, ConfigurationSource> Sources { get; } = sources;

    /// <summary>The line of the command running on this flow: CommandRunner names a refused value's source through it.</summary>
    public static ConfiguredCommandLine? Current
    {
        get => CurrentLine.Value;
        internal set => CurrentLine.Value = value;
    }

    /// <summary>
    /// Prefixes a usage error with the source of the option it names ("--keep must be at least 1" from the file becomes
    /// "/etc/sync/inside.json: key 'import:keep': --keep must be at least 1"); a message about typed options is unchanged.
    /// </summary>
    public string Attribute(string message)
    {
        foreach (var name in OptionNamesIn(message))
        {
            if (Sources.TryGetValue(name, out var source))
            {
                return $"{source.Describe}: {message}";
            }
        }

        return message;
    }

    private static IEnumerable<string> OptionNamesIn(string message)
    {
        for (var start = message.IndexOf("--", StringComparison.Ordinal); start >= 0; start = message.IndexOf("--", start + 2, StringComparison.Ordinal))
        {
            var end = start + 2;
            while (end < message.Length && (char.IsAsciiLetterOrDigit(message[end]) || message[end] == '-'))
            {
                end++;
            }

            if (end > start + 2)
            {
                yield return message[start..end];
            }
        }
    }
}
