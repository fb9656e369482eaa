using System.Globalization;
using System.Text.RegularExpressions;

namespace Sync.Testing.Metrics;

/// <summary>
/// A strict reader of the Prometheus text format 0.0.4 for tests: every line must be a HELP or TYPE comment or a
/// sample, every sample's family must have been typed first, and no series may appear twice. Samples are kept by
/// their text key, e.g. <c>sync_inside_refused_total{reason="replay"}</c> (labels as written).
/// </summary>
public sealed partial class PrometheusSamples
{
    private readonly Dictionary<string, double> _samples = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _types = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, double> Samples => _samples;

    public IReadOnlyDictionary<string, string> Types => _types;

    public double this[string key] => _samples.TryGetValue(key, out var value)
        ? value
        : throw new KeyNotFoundException($"no sample '{key}' in the scrape");

    public static PrometheusSamples Parse(string text)
    {
        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            throw new FormatException("the exposition does not end with a newline");
        }

        var parsed = new PrometheusSamples();
        foreach (var line in text.Split('\n').SkipLast(1))
        {
            if (TypeLine().Match(line) is { Success: true } type)
            {
                if (!parsed._types.TryAdd(type.Groups[1].Value, type.Groups[2].Value))
                {
                    throw new FormatException($"family typed twice: {line}");
                }
            }
            else if (HelpLine().IsMatch(line))
            {
                continue;
            }
            else if (SampleLine().Match(line) is { Success: true } sample)
            {
                var name = sample.Groups[1].Value;
                if (!parsed._types.Keys.Any(f => name == f || (name.StartsWith(f, StringComparison.Ordinal) && name[f.Length..] is "_bucket" or "_sum" or "_count")))
                {
                    throw new FormatException($"sample before its TYPE line: {line}");
                }

                var key = name + sample.Groups[2].Value;
                if (!parsed._samples.TryAdd(key, ParseValue(sample.Groups[3].Value)))
                {
                    throw new FormatException($"series repeated: {line}");
                }
            }
            else
            {
                throw new FormatException($"not a Prometheus text line: '{line}'");
            }
        }

        return parsed;
    }

    private static double ParseValue(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    [GeneratedRegex(@"^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* (?:[^\\\n]|\\\\|\\n)*$")]
    private static partial Regex HelpLine();

    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*=""(?:[^""\\\n]|\\\\|\\""|\\n)*"",?)*\})? ([-+]?(?:[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?|Inf)|NaN)$")]
    private static partial Regex SampleLine();
}
