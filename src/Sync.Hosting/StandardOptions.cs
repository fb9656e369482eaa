using System.CommandLine;

namespace Sync.Hosting;

/// <summary>
/// Every command of both agents takes --quiet/-q and --verbose/-v, as the README promises, so a script or a unit file
/// can pass them to any command (and a --config file can set them once for all). Commands that define them use them;
/// this adds them, with the same descriptions, to the commands that have no progress display to silence or nothing
/// more to log (keygen, status, fec-plan, config-example, ...): accepted, as the README says.
/// Called once on each agent's root command, before parsing.
/// </summary>
public static class StandardOptions
{
    /// <summary>A new --quiet/-q for one command (an option belongs to one command): the one place it is worded.</summary>
    public static Option<bool> Quiet() => new("--quiet", "-q") { Description = "No progress display." };

    /// <summary>A new --verbose/-v for one command.</summary>
    public static Option<bool> Verbose() => new("--verbose", "-v") { Description = "Log details to stderr." };

    public static void Complete(RootCommand root)
    {
        foreach (var command in root.Subcommands)
        {
            if (!Has(command, "--quiet"))
            {
                command.Options.Add(Quiet());
            }

            if (!Has(command, "--verbose"))
            {
                command.Options.Add(Verbose());
            }
        }
    }

    private static bool Has(Command command, string name) =>
        command.Options.Any(o => o.Name == name || o.Aliases.Contains(name));
}
