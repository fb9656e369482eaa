using System.CommandLine;

namespace Sync.Hosting;

/// <summary>Parses and dispatches a command line, reporting a usage error as one line and exit code 2.</summary>
public static class CommandLine
{
    public static async Task<int> InvokeAsync(string agentName, RootCommand root, string[] args)
    {
        LogOutput.AddTo(root);
        var result = root.Parse(args);
        LogOutput.Use(result);
        if (result.Errors.Count > 0 && !args.Contains("--help") && !args.Contains("-h"))
        {
            CommandRunner.Fail(agentName, $"{result.Errors[0].Message} (see '{agentName} --help')");
            return 2;
        }

        return await result.InvokeAsync().ConfigureAwait(false);
    }
}
