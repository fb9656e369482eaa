using System.CommandLine;
using Sync.Core;

namespace Sync.Inside;

/// <summary>The `--keep` option of the commands that publish snapshots (import, serve, pull, repair), and how it reads.</summary>
internal static class KeepOption
{
    public static Option<int> Create() => new("--keep") { Description = "Snapshots kept, the published one included (default 3).", DefaultValueFactory = _ => 3 };

    /// <summary>The value given; fewer than one would leave no published snapshot, so it is refused.</summary>
    public static int Read(ParseResult result, Option<int> keep) =>
        result.GetValue(keep) is var count and >= 1 ? count : throw SyncException.Usage("--keep must be at least 1");
}
