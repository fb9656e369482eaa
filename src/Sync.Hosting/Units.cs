using System.Globalization;
using Sync.Core;

namespace Sync.Hosting;

public static class Units
{
    public static string Bytes(long bytes) => ByteCount.Format(bytes);

    /// <summary>"90s", "10m", "2h", "1d" or a plain number of seconds.</summary>
    public static TimeSpan ParseInterval(string text)
    {
        var value = text.Trim();
        var unit = value.Length > 0 && char.IsLetter(value[^1]) ? value[^1] : 's';
        var number = char.IsLetter(value.Length > 0 ? value[^1] : '0') ? value[..^1] : value;
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) || amount <= 0)
        {
            throw new FormatException($"'{text}' is not a duration like 30s, 10m or 1h");
        }

        return char.ToLowerInvariant(unit) switch
        {
            's' => TimeSpan.FromSeconds(amount),
            'm' => TimeSpan.FromMinutes(amount),
            'h' => TimeSpan.FromHours(amount),
            'd' => TimeSpan.FromDays(amount),
            _ => throw new FormatException($"'{text}' is not a duration like 30s, 10m or 1h"),
        };
    }
}
