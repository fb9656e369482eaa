using System.Globalization;

namespace Sync.Transport.FileDrop;

/// <summary>Parses the size of one bundle part as operators write it: 4.7G, 650M, 64K, 1024, 1T (1024-based).</summary>
public static class VolumeSize
{
    private const string Expected = "expected a number with an optional K, M, G or T suffix (1024-based, e.g. 650M, 4.7G, 64KiB)";

    public static long Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var span = text.AsSpan().Trim();
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
        }

        var shift = 0;
        if (!span.IsEmpty && char.IsAsciiLetter(span[^1]))
        {
            shift = char.ToUpperInvariant(span[^1]) switch
            {
                'K' => 10,
                'M' => 20,
                'G' => 30,
                'T' => 40,
                _ => throw Invalid(text),
            };
            span = span[..^1].TrimEnd();
        }

        if (span.IsEmpty || !char.IsAsciiDigit(span[0]) ||
            !decimal.TryParse(span, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            throw Invalid(text);
        }

        var bytes = number > (decimal)(long.MaxValue >> shift) + 1 ? decimal.MaxValue : decimal.Floor(number * (1L << shift));
        if (bytes < 1 || bytes > long.MaxValue)
        {
            throw new FormatException($"volume size '{text}' is out of range; {Expected}");
        }

        return (long)bytes;
    }

    private static FormatException Invalid(string text) => new($"'{text}' is not a volume size; {Expected}");
}
