using Sync.Core.Trust;

namespace Sync.Fuzz;

/// <summary>
/// The keys the seed corpus was made with. The outside key's public half ships beside the program (fuzz-key.pub,
/// written by <c>sync-fuzz seed</c>), so a seed's signatures verify and mutations reach what lies behind them; the
/// private half was thrown away. The UDP MAC key is a fixed test value.
/// </summary>
internal static class FuzzKeys
{
    public const string PublicKeyFile = "fuzz-key.pub";

    private static readonly Lazy<TrustStore> LazyTrust = new(() => TrustStore.Load([PublicKeyPath]));

    public static string PublicKeyPath => Path.Combine(AppContext.BaseDirectory, PublicKeyFile);

    public static TrustStore Trust => LazyTrust.Value;

    public static byte[] UdpMacKey { get; } = [.. Enumerable.Range(1, 32).Select(i => (byte)(i * 7))];
}
