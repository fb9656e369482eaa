using System.CommandLine;

namespace Sync.Inside;

/// <summary>The `--target` option of the commands that publish (import, serve, pull, receive): where readers look.</summary>
internal static class TargetOption
{
    public static Option<string> Create() => new("--target") { Description = "Where readers look: a symlink (snapshot mode) or a directory (in-place).", Required = true };
}
