using Sync.Core.Streams;

namespace Sync.Transport.FileDrop.Internal;

/// <summary>
/// File names in a drop folder. A bundle is named after what it carries, so an operator can see at a glance
/// which generation it makes and which it needs: sync-g{target}-b{base}-{stream id prefix}.
/// </summary>
internal static class BundleNames
{
    public const string IndexExtension = ".index";
    public const string TempExtension = ".tmp";

    public static string For(DeltaHeader header) =>
        $"sync-g{header.TargetGeneration:D8}-b{header.BaseGeneration:D8}-{header.StreamIdHex[..12]}";

    /// <summary>The stream id prefix in a bundle name made by <see cref="For"/>, or null when the name is not one.</summary>
    public static string? StreamPrefixOf(string bundle)
    {
        var dash = bundle.LastIndexOf('-');
        var prefix = dash < 0 ? string.Empty : bundle[(dash + 1)..];
        return bundle.StartsWith("sync-g", StringComparison.Ordinal) && prefix.Length == 12 && prefix.All(char.IsAsciiHexDigitLower) ? prefix : null;
    }

    public static string Part(string bundle, int number) => $"{bundle}.{PartLabel(number)}";

    /// <summary>How a part is called in messages: p0001, p0002, ...</summary>
    public static string PartLabel(int number) => $"p{number:D4}";

    public static string Index(string bundle) => bundle + IndexExtension;
}
