namespace Sync.Attacks;

/// <summary>
/// `--name value` pairs and bare `--flag`s after the command name; what follows `--` is kept whole (a command line to
/// run). A missing or malformed option is a <see cref="UsageException"/>: the toolkit is driven by a script, so it
/// says exactly which one and exits 2.
/// </summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);

    public Arguments(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                Rest = args.Skip(i + 1).ToArray();
                return;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"unexpected argument '{arg}'");
            }

            var hasValue = i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
            _options[arg] = hasValue ? args[++i] : null;
        }
    }

    /// <summary>What followed `--`, or empty.</summary>
    public IReadOnlyList<string> Rest { get; } = [];

    public string Required(string name) =>
        _options.TryGetValue(name, out var value) && value is not null ? value : throw new UsageException($"{name} VALUE is required");

    public string? Optional(string name) => _options.GetValueOrDefault(name);

    public bool Flag(string name) => _options.ContainsKey(name);

    public long Number(string name, long fallback) =>
        Optional(name) is not { } text ? fallback
        : long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value
        : throw new UsageException($"{name} takes a whole number, not '{text}'");
}
