using System.Globalization;

namespace Sync.Transport.Udp;

/// <summary>Network rates as the UDP carrier reports them (1000-based, as link rates are quoted).</summary>
public static class BitRate
{
    public static string Format(double bitsPerSecond) => bitsPerSecond switch
    {
        >= 1e9 => string.Create(CultureInfo.InvariantCulture, $"{bitsPerSecond / 1e9:F3} Gbit/s"),
        >= 1e6 => string.Create(CultureInfo.InvariantCulture, $"{bitsPerSecond / 1e6:F1} Mbit/s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bitsPerSecond / 1e3:F1} kbit/s"),
    };
}
