using System.Text;

namespace Sync.Transport.Grpc;

/// <summary>
/// Text the other side wrote (an abort's reason, an outcome's message) as it may appear in one log or error line:
/// at most <see cref="MaxChars"/> characters, control characters (line breaks, escapes) replaced. A peer controls
/// these strings, up to the 4 MiB message limit; logs and terminals must not carry what it chose.
/// </summary>
internal static class PeerText
{
    public const int MaxChars = 500;

    public static string Clean(string text)
    {
        var cut = text.Length > MaxChars;
        var builder = new StringBuilder(Math.Min(text.Length, MaxChars) + 24);
        foreach (var c in cut ? text.AsSpan(0, MaxChars) : text)
        {
            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        return cut ? builder.Append($"... ({text.Length} characters)").ToString() : builder.ToString();
    }
}
