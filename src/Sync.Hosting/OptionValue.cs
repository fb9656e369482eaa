using Sync.Core;

namespace Sync.Hosting;

/// <summary>Parses an option's text with a parser that throws <see cref="FormatException"/>, turning that into a one-line usage error.</summary>
public static class OptionValue
{
    public static T Parse<T>(string option, string text, Func<string, T> parse)
    {
        try
        {
            return parse(text);
        }
        catch (FormatException e)
        {
            throw SyncException.Usage($"{option}: {e.Message}");
        }
    }
}
