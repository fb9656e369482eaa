using System.Globalization;
using System.Text;

namespace Sync.Hosting;

/// <summary>
/// Writes metric families in the Prometheus text exposition format 0.0.4, the one both a scrape of
/// <c>--metrics-listen</c> and node-exporter's textfile collector (<c>--metrics-file</c>) read.
/// </summary>
public static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static string Write(IEnumerable<MetricFamily> families)
    {
        var text = new StringBuilder();
        foreach (var family in families)
        {
            text.Append("# HELP ").Append(family.Name).Append(' ').Append(EscapeHelp(family.Help)).Append('\n');
            text.Append("# TYPE ").Append(family.Name).Append(' ').Append(family.Kind switch
            {
                MetricKind.Counter => "counter",
                MetricKind.Histogram => "histogram",
                _ => "gauge",
            }).Append('\n');
            foreach (var series in family.Series.Values)
            {
                if (family.Kind == MetricKind.Histogram)
                {
                    long cumulative = 0;
                    for (int i = 0; i < family.Bounds!.Length; i++)
                    {
                        cumulative += series.Buckets[i];
                        Sample(text, family.Name + "_bucket", series.Labels, ("le", Number(family.Bounds[i])), cumulative);
                    }

                    Sample(text, family.Name + "_bucket", series.Labels, ("le", "+Inf"), series.Count);
                    Sample(text, family.Name + "_sum", series.Labels, null, series.Sum);
                    Sample(text, family.Name + "_count", series.Labels, null, series.Count);
                }
                else
                {
                    Sample(text, family.Name, series.Labels, null, series.Value);
                }
            }
        }

        return text.ToString();
    }

    /// <summary>Prometheus's spelling of a sample value: shortest round-trip form, +Inf, -Inf, NaN.</summary>
    public static string Number(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static void Sample(StringBuilder text, string name, IReadOnlyList<KeyValuePair<string, string>> labels, (string Name, string Value)? extra, double value)
    {
        text.Append(name);
        if (labels.Count > 0 || extra is not null)
        {
            text.Append('{');
            var first = true;
            foreach (var (key, labelValue) in labels.Select(l => (l.Key, l.Value)).Concat(extra is { } e ? [e] : []))
            {
                text.Append(first ? string.Empty : ",").Append(key).Append("=\"").Append(EscapeLabel(labelValue)).Append('"');
                first = false;
            }

            text.Append('}');
        }

        text.Append(' ').Append(Number(value)).Append('\n');
    }

    private static string EscapeHelp(string help) => help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string EscapeLabel(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
