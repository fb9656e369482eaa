using System.Globalization;

namespace Sync.Transport.FileDrop;

/// <summary>
/// Parses the size of one bundle part as operators write it. Decimal units are powers of ten, as media are sold
/// (<c>kB</c>/<c>KB</c>, <c>MB</c>, <c>GB</c>, <c>TB</c>: 4.7GB is 4,700,000,000 bytes); binary units are powers of two
/// (<c>KiB</c>, <c>MiB</c>, <c>GiB</c>, <c>TiB</c>); a bare <c>K</c>, <c>M</c>, <c>G</c> or <c>T</c> keeps its earlier
/// meaning, binary (4.7G is 5,046,586,572 bytes); a plain number is bytes. A named medium (<see cref="Media"/>) is its
/// recordable capacity less <see cref="MediaMargin"/>.
/// </summary>
public static class VolumeSize
{
    /// <summary>Room left on a named medium for its file system (ISO 9660/UDF descriptors, directories) and the bundle's index.</summary>
    public const long MediaMargin = 16L << 20;

    private const string Expected =
        "expected bytes, a decimal size (650MB, 4.7GB), a binary size (650MiB, 4GiB; bare 4.7G is binary too), " +
        "or a medium: cd, dvd, dvd-dl, bd25, bd50, bd100";

    /// <summary>
    /// User-data capacity of each named medium in bytes (2048-byte sectors times the sector count of the smallest
    /// common format): CD-R 80 min, 360,000 sectors (Orange Book); DVD+R, 2,295,104 sectors (ECMA-349; DVD-R has
    /// 2,298,496); DVD-R DL, 4,171,712 sectors (ECMA-382; DVD+R DL has 4,173,824); BD-R single layer, 12,219,392
    /// sectors, dual layer twice that, BDXL triple layer 48,878,592 sectors (Blu-ray Disc Association, BD-R format).
    /// </summary>
    public static IReadOnlyDictionary<string, long> Media { get; } = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase)
    {
        ["cd"] = 360_000L * 2048,
        ["dvd"] = 2_295_104L * 2048,
        ["dvd-dl"] = 4_171_712L * 2048,
        ["bd25"] = 12_219_392L * 2048,
        ["bd50"] = 24_438_784L * 2048,
        ["bd100"] = 48_878_592L * 2048,
    };

    public static long Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var span = text.AsSpan().Trim();
        if (Media.TryGetValue(span.ToString(), out var capacity))
        {
            return capacity - MediaMargin;
        }

        var binary = true;
        if (span.EndsWith("iB", StringComparison.OrdinalIgnoreCase))
        {
            span = span[..^2];
            if (span.IsEmpty || !char.IsAsciiLetter(span[^1]))
            {
                throw Invalid(text);
            }
        }
        else if (span.EndsWith("B", StringComparison.OrdinalIgnoreCase))
        {
            span = span[..^1];
            binary = false; // kB, MB, GB, TB: SI, as media are labelled
        }

        var power = 0;
        if (!span.IsEmpty && char.IsAsciiLetter(span[^1]))
        {
            power = char.ToUpperInvariant(span[^1]) switch
            {
                'K' => 1,
                'M' => 2,
                'G' => 3,
                'T' => 4,
                _ => throw Invalid(text),
            };
            span = span[..^1].TrimEnd();
        }

        if (span.IsEmpty || !char.IsAsciiDigit(span[0]) ||
            !decimal.TryParse(span, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            throw Invalid(text);
        }

        var unit = 1m;
        for (var i = 0; i < power; i++)
        {
            unit *= binary ? 1024 : 1000;
        }

        var bytes = number > long.MaxValue / unit + 1 ? decimal.MaxValue : decimal.Floor(number * unit);
        if (bytes < 1 || bytes > long.MaxValue)
        {
            throw new FormatException($"volume size '{text}' is out of range; {Expected}");
        }

        return (long)bytes;
    }

    /// <summary>As <see cref="Parse"/>, refusing a size below <paramref name="minimum"/> (the bundle writer's smallest part).</summary>
    public static long Parse(string text, long minimum)
    {
        var bytes = Parse(text);
        if (bytes < minimum)
        {
            throw new FormatException($"volume size '{text}' ({bytes} bytes) is below the minimum of {minimum} bytes ({minimum >> 10} KiB)");
        }

        return bytes;
    }

    private static FormatException Invalid(string text) => new($"'{text}' is not a volume size; {Expected}");
}
