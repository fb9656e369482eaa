using Sync.Core;

namespace Sync.Transport.Udp;

/// <summary>
/// The shared per-packet MAC key and its one rule: at least <see cref="MinBytes"/> bytes. Both agents read the key
/// file here (a usage error naming their option), and <see cref="UdpSendValidation"/> and
/// <see cref="UdpReceiveOptions"/> hold keys given in code to the same rule, so the limit is written once.
/// </summary>
public static class UdpMacKey
{
    public const int MinBytes = 16;

    /// <summary>
    /// The key file's bytes (e.g. `openssl rand 32 > mac.key`, or a hex or base64 line): both agents read the same
    /// file, so its exact bytes are the key.
    /// </summary>
    public static byte[] Read(string option, string path)
    {
        byte[] key;
        try
        {
            key = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw SyncException.Usage($"{option}: cannot read '{path}': {e.Message}");
        }

        return Problem(key) is null
            ? key
            : throw SyncException.Usage($"{option}: '{path}' holds {key.Length} bytes; a MAC key needs at least {MinBytes} (openssl rand 32 > FILE)");
    }

    /// <summary>What is wrong with a key, worded to follow the setting's name; null for no key or a good one.</summary>
    internal static string? Problem(byte[]? key) => key is null || key.Length >= MinBytes ? null : $" must be at least {MinBytes} bytes";
}
