using System.Globalization;
using System.Text;

namespace Sync.Core.Verification;

/// <summary>
/// The fields of an APT <c>Release</c> or <c>InRelease</c> file that say how long apt accepts it: read from its first
/// paragraph (an InRelease's signed text, after the armour's header lines). Dates are RFC 2822 as apt writes them
/// ("Sat, 05 Dec 2026 08:00:00 UTC"); one apt would refuse to read is left null rather than guessed.
/// </summary>
public sealed record ReleaseHeader(string? Suite, string? Codename, DateTimeOffset? Date, DateTimeOffset? ValidUntil)
{
    /// <summary>The Valid-Until field as written, also when it is not a date this reads (then <see cref="ValidUntil"/> is null).</summary>
    public string? ValidUntilText { get; init; }

    /// <summary>How much of a file is read: the header paragraph comes before the checksum lists.</summary>
    public const int HeaderBytes = 64 << 10;

    private static readonly string[] DateFormats = ["ddd, d MMM yyyy HH:mm:ss", "d MMM yyyy HH:mm:ss"];

    /// <summary>The header of a Release or InRelease file's first <see cref="HeaderBytes"/>, or null when it has none.</summary>
    public static ReleaseHeader? Parse(ReadOnlySpan<byte> bytes)
    {
        var text = Encoding.UTF8.GetString(bytes[..Math.Min(bytes.Length, HeaderBytes)]);
        string? suite = null, codename = null, date = null, validUntil = null;
        var inArmourHeader = false;
        var seenField = false;
        foreach (var raw in text.AsSpan().EnumerateLines())
        {
            var line = raw.TrimEnd();
            if (line.StartsWith("-----BEGIN PGP SIGNED MESSAGE-----", StringComparison.Ordinal))
            {
                inArmourHeader = true; // "Hash: ..." lines up to a blank line belong to the armour
                continue;
            }

            if (inArmourHeader)
            {
                inArmourHeader = !line.IsEmpty;
                continue;
            }

            if (line.IsEmpty || line.StartsWith("-----BEGIN PGP SIGNATURE", StringComparison.Ordinal))
            {
                if (seenField)
                {
                    break; // the first paragraph ends
                }

                continue;
            }

            if (line[0] is ' ' or '\t')
            {
                continue; // a continuation line: a checksum list
            }

            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                continue;
            }

            seenField = true;
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim().ToString();
            if (name.Equals("Suite", StringComparison.OrdinalIgnoreCase))
            {
                suite = value;
            }
            else if (name.Equals("Codename", StringComparison.OrdinalIgnoreCase))
            {
                codename = value;
            }
            else if (name.Equals("Date", StringComparison.OrdinalIgnoreCase))
            {
                date = value;
            }
            else if (name.Equals("Valid-Until", StringComparison.OrdinalIgnoreCase))
            {
                validUntil = value;
            }
        }

        return seenField ? new ReleaseHeader(suite, codename, ParseDate(date), ParseDate(validUntil)) { ValidUntilText = validUntil } : null;
    }

    /// <summary>An RFC 2822 date as APT archives write it, with a zone of UTC, GMT, Z or ±hhmm; null when it is not one.</summary>
    public static DateTimeOffset? ParseDate(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var space = value.LastIndexOf(' ');
        if (space <= 0)
        {
            return null;
        }

        var zone = value[(space + 1)..];
        TimeSpan offset;
        if (zone is "UTC" or "GMT" or "Z" or "UT")
        {
            offset = TimeSpan.Zero;
        }
        else if (zone.Length == 5 && zone[0] is '+' or '-' &&
            int.TryParse(zone.AsSpan(1, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var hours) &&
            int.TryParse(zone.AsSpan(3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var minutes) && hours < 24 && minutes < 60)
        {
            offset = new TimeSpan(hours, minutes, 0) * (zone[0] == '-' ? -1 : 1);
        }
        else
        {
            return null;
        }

        return DateTime.TryParseExact(value[..space], DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local)
            ? new DateTimeOffset(local, offset).ToUniversalTime()
            : null;
    }
}
