using System.CommandLine;

namespace Sync.Inside;

/// <summary>The `--state` option of the inside's commands that need nothing more said of it (import, verify, repair, serve, pull).</summary>
internal static class StateOption
{
    public static Option<string> Create() => new("--state") { Description = "The inside's state directory.", Required = true };
}
