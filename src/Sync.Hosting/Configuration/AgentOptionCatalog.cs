using System.CommandLine;

namespace Sync.Hosting.Configuration;

/// <summary>
/// The options a configuration may set, by the key that names them (the long option without its dashes): for each
/// command of an agent, its own options and the root's recursive ones (--log-format, ...), never --help, --version or
/// --config itself.
/// </summary>
internal sealed class AgentOptionCatalog
{
    private readonly Dictionary<string, Dictionary<string, Option>> _byCommand = new(StringComparer.OrdinalIgnoreCase);

    public AgentOptionCatalog(RootCommand root)
    {
        var inherited = root.Options.Where(o => o.Recursive && IsConfigurable(o)).ToList();
        foreach (var command in root.Subcommands)
        {
            var options = new Dictionary<string, Option>(StringComparer.OrdinalIgnoreCase);
            foreach (var option in command.Options.Where(IsConfigurable).Concat(inherited))
            {
                options.TryAdd(KeyOf(option), option);
            }

            _byCommand[command.Name] = options;
        }
    }

    public IEnumerable<string> Commands => _byCommand.Keys;

    public bool IsCommand(string name) => _byCommand.ContainsKey(name);

    public IReadOnlyDictionary<string, Option> OptionsOf(string command) => _byCommand[command];

    /// <summary>Whether some command of the agent takes this key: a shared key at the top of the file may name any of them.</summary>
    public bool IsOptionOfAny(string key) => _byCommand.Values.Any(options => options.ContainsKey(key));

    public static string KeyOf(Option option) => option.Name.TrimStart('-');

    private static bool IsConfigurable(Option option) =>
        option.Name.StartsWith("--", StringComparison.Ordinal) && option.Name is not ("--help" or "--version" or ConfigurationMerger.ConfigOptionName);
}
