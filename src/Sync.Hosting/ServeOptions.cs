using System.CommandLine;

namespace Sync.Hosting;

/// <summary>What both agents' gRPC `serve` commands share besides TLS: how a second caller is treated.</summary>
public sealed class ServeOptions
{
    public Option<string> BusyWait { get; } = new("--busy-wait")
    {
        Description = "How long a new sync waits for the one in progress to end (e.g. a dead peer's session closing) before it is told busy (default 5s; 0: not at all).",
        DefaultValueFactory = _ => "5s",
    };

    public void AddTo(Command command) => command.Options.Add(BusyWait);

    public TimeSpan Wait(ParseResult result) => result.GetValue(BusyWait)!.Trim() is "0"
        ? TimeSpan.Zero
        : OptionValue.Parse("--busy-wait", result.GetValue(BusyWait)!, Units.ParseInterval);
}
