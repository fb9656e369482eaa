using System.CommandLine;

namespace Sync.Hosting;

/// <summary>Adds a group of options to a command in one call; the order given is the order --help lists them in.</summary>
public static class CommandOptions
{
    public static void AddOptions(this Command command, params IEnumerable<Option> options)
    {
        foreach (var option in options)
        {
            command.Options.Add(option);
        }
    }
}
