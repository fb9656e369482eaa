using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Sync.Core;

namespace Sync.Hosting.Configuration;

/// <summary>
/// Merges a configuration file (JSON with comments, read through Microsoft.Extensions.Configuration) and SYNC_-prefixed
/// environment variables into a command line, so every option of every command can come from any of the three without
/// each command knowing. Keys are the long options without dashes (<c>"state"</c>, <c>"fec-overhead"</c>); a key at the
/// top applies to every command that takes it, a section named after a command (<c>"export": { ... }</c>) to that one.
/// Precedence, lowest first: the file's shared keys, its command section, the command line, the environment (shared
/// <c>SYNC_KEEP</c>, then per command <c>SYNC_IMPORT__KEEP</c>). The whole file is checked before anything runs: a key
/// that no command takes is a usage error naming the file and the key.
/// </summary>
public static class ConfigurationMerger
{
    public const string ConfigOptionName = "--config";

    public const string EnvironmentPrefix = "SYNC_";

    /// <summary>The option every command takes: added to the root as a recursive option by <see cref="CommandLine"/>.</summary>
    public static Option<string> CreateConfigOption() => new(ConfigOptionName)
    {
        Description = "JSON configuration file (comments allowed): keys named like the long options, shared at the top, per command in a section; the command line overrides it and SYNC_ environment variables override both.",
        Recursive = true,
    };

    /// <summary>The SYNC_ variables of this process, prefix stripped, '__' as the section separator.</summary>
    public static IConfiguration ReadEnvironment() =>
        new ConfigurationBuilder().AddEnvironmentVariables(EnvironmentPrefix).Build();

    public static ConfiguredCommandLine Merge(RootCommand root, IReadOnlyList<string> args, IConfiguration environment)
    {
        var parsed = root.Parse(args);
        var command = parsed.CommandResult.Command;
        if (command is RootCommand)
        {
            return new ConfiguredCommandLine(args, new Dictionary<string, ConfigurationSource>());
        }

        var catalog = new AgentOptionCatalog(root);
        var configOption = root.Options.OfType<Option<string>>().Single(o => o.Name == ConfigOptionName);
        var path = environment["CONFIG"] is { Length: > 0 } fromVariable ? fromVariable : parsed.GetValue(configOption);

        var values = new Dictionary<string, ConfiguredValue>(StringComparer.OrdinalIgnoreCase);
        if (!string.IsNullOrEmpty(path))
        {
            var file = ReadFile(path);
            Check(catalog, file, key => $"{path}: key '{key}'", ignoreUnknownTopLevel: false);
            Collect(catalog, file, command.Name, key => $"{path}: key '{key}'", values);
        }

        var fromEnvironment = new Dictionary<string, ConfiguredValue>(StringComparer.OrdinalIgnoreCase);
        var normalized = NormalizeEnvironment(environment);
        Check(catalog, normalized, EnvironmentName, ignoreUnknownTopLevel: true);
        Collect(catalog, normalized, command.Name, EnvironmentName, fromEnvironment);

        var arguments = WithoutTyped(parsed, args, fromEnvironment.Values.Select(v => v.Option).ToHashSet());
        var sources = new Dictionary<string, ConfigurationSource>(StringComparer.Ordinal);
        var added = new List<string>();
        foreach (var value in values.Values.Where(v => !IsTyped(parsed, v.Option) && !fromEnvironment.ContainsKey(v.Key)).Concat(fromEnvironment.Values))
        {
            added.AddRange(value.Values.Select(v => $"{value.Option.Name}={v}"));
            sources[value.Option.Name] = new ConfigurationSource(value.Source);
        }

        var end = arguments.IndexOf("--");
        arguments.InsertRange(end < 0 ? arguments.Count : end, added);
        return new ConfiguredCommandLine(arguments, sources);
    }

    private static IConfigurationRoot ReadFile(string path)
    {
        Stream stream;
        try
        {
            stream = File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw SyncException.Usage($"{ConfigOptionName} {path}: {e.Message}");
        }

        try
        {
            using (stream)
            {
                return new ConfigurationBuilder().AddJsonStream(stream).Build();
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or JsonException)
        {
            // The provider wraps the parser's message (with its line and byte position) in its own.
            var reason = e.InnerException is JsonException json ? json.Message : e.Message;
            throw SyncException.Usage($"{path}: not a JSON object of options: {reason}");
        }
    }

    /// <summary>SYNC_FEC_OVERHEAD becomes "fec-overhead", SYNC_EXPORT__VOLUME_SIZE "export:volume-size".</summary>
    private static IConfiguration NormalizeEnvironment(IConfiguration environment)
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in environment.AsEnumerable())
        {
            if (value is not null)
            {
                data[key.ToLowerInvariant().Replace('_', '-')] = value;
            }
        }

        return new ConfigurationBuilder().AddInMemoryCollection(data).Build();
    }

    private static string EnvironmentName(string key) =>
        "environment variable " + EnvironmentPrefix + key.ToUpperInvariant().Replace("-", "_", StringComparison.Ordinal).Replace(":", "__", StringComparison.Ordinal);

    /// <summary>
    /// Every key must be an option some command takes (at the top) or the named command takes (in its section), holding
    /// a value or a list. The environment also holds variables meant for other programs: its unknown top-level names pass.
    /// </summary>
    private static void Check(AgentOptionCatalog catalog, IConfiguration config, Func<string, string> describe, bool ignoreUnknownTopLevel)
    {
        foreach (var entry in config.GetChildren())
        {
            if (IsSection(entry))
            {
                if (!catalog.IsCommand(entry.Key))
                {
                    if (ignoreUnknownTopLevel)
                    {
                        continue;
                    }

                    throw SyncException.Usage($"{describe(entry.Key)}: no command of this agent is named '{entry.Key}' (sections: {string.Join(", ", catalog.Commands)})");
                }

                var options = catalog.OptionsOf(entry.Key);
                foreach (var setting in entry.GetChildren())
                {
                    if (!options.ContainsKey(setting.Key))
                    {
                        throw SyncException.Usage($"{describe(setting.Path)}: '{entry.Key}' takes no option --{setting.Key}");
                    }

                    CheckValue(setting, describe);
                }
            }
            else if (catalog.IsOptionOfAny(entry.Key))
            {
                CheckValue(entry, describe);
            }
            else if (!ignoreUnknownTopLevel && !catalog.IsCommand(entry.Key)) // an empty section is no mistake
            {
                throw SyncException.Usage($"{describe(entry.Key)}: no command of this agent takes --{entry.Key}");
            }
        }
    }

    private static void CheckValue(IConfigurationSection setting, Func<string, string> describe)
    {
        if (IsSection(setting) || setting.GetChildren().Any(item => item.GetChildren().Any()))
        {
            throw SyncException.Usage($"{describe(setting.Path)}: expected a value or a list of values, not an object");
        }
    }

    /// <summary>The shared keys first, then the command's section over them.</summary>
    private static void Collect(
        AgentOptionCatalog catalog, IConfiguration config, string command, Func<string, string> describe, Dictionary<string, ConfiguredValue> into)
    {
        var options = catalog.OptionsOf(command);
        var shared = config.GetChildren().Where(entry => !IsSection(entry));
        var section = config.GetChildren().FirstOrDefault(entry => IsSection(entry) && string.Equals(entry.Key, command, StringComparison.OrdinalIgnoreCase));
        foreach (var setting in shared.Concat(section?.GetChildren() ?? []))
        {
            if (options.TryGetValue(setting.Key, out var option) && ValuesOf(setting, option) is { Count: > 0 } values)
            {
                into[setting.Key] = new ConfiguredValue(setting.Key, option, values, describe(setting.Path));
            }
            else if (options.ContainsKey(setting.Key))
            {
                into.Remove(setting.Key); // null or "" in the section: back to the option's default
            }
        }
    }

    /// <summary>A value, or a list's items in order; null and "" mean "not set". JSON's True/False become true/false.</summary>
    private static List<string> ValuesOf(IConfigurationSection setting, Option option)
    {
        var items = setting.Value is { } single
            ? [single]
            : setting.GetChildren().OrderBy(item => int.Parse(item.Key, CultureInfo.InvariantCulture)).Select(item => item.Value ?? "").ToList();
        return items
            .Where(item => item.Length > 0)
            .Select(item => option.ValueType == typeof(bool) ? item.ToLowerInvariant() : item)
            .ToList();
    }

    /// <summary>
    /// An object with keys that are not list indices: a command's section (a list's items are keyed 0, 1, ...). An empty
    /// object or list reads as a key without a value, which is "not set".
    /// </summary>
    private static bool IsSection(IConfigurationSection entry) =>
        entry.Value is null && entry.GetChildren().Any(child => !int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _));

    /// <summary>
    /// The typed command line without the options the environment overrides (their names and values), rebuilt from
    /// the parser's tokens only when one of them was typed; otherwise the arguments exactly as given.
    /// </summary>
    private static List<string> WithoutTyped(ParseResult parsed, IReadOnlyList<string> args, HashSet<Option> overridden)
    {
        var typed = overridden.Where(option => IsTyped(parsed, option)).Select(option => parsed.GetResult(option)!).ToList();
        if (typed.Count == 0)
        {
            return [.. args];
        }

        var values = typed.SelectMany(result => result.Tokens).ToHashSet(ReferenceEqualityComparer.Instance);
        return parsed.Tokens
            .Where(token => !values.Contains(token) && !(token.Type == TokenType.Option && overridden.Any(option => Names(option).Contains(token.Value))))
            .Select(token => token.Value)
            .ToList();
    }

    private static IEnumerable<string> Names(Option option) => option.Aliases.Append(option.Name);

    /// <summary>Given on the command line, not just holding its default (a defaulted option has an implicit result).</summary>
    private static bool IsTyped(ParseResult parsed, Option option) => parsed.GetResult(option) is { Implicit: false };

    private sealed record ConfiguredValue(string Key, Option Option, IReadOnlyList<string> Values, string Source);
}
