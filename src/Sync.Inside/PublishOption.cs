using System.CommandLine;
using Sync.Core.Apply;

namespace Sync.Inside;

/// <summary>The `--publish` option every applying command shares (import, serve, pull, receive), and how it reads.</summary>
internal static class PublishOption
{
    public static Option<string> Create()
    {
        var publish = new Option<string>("--publish") { Description = "snapshot (default) or in-place.", DefaultValueFactory = _ => "snapshot" };
        publish.AcceptOnlyFromAmong("snapshot", "in-place");
        return publish;
    }

    public static PublishMode Mode(ParseResult result, Option<string> publish) =>
        result.GetValue(publish) == "in-place" ? PublishMode.InPlace : PublishMode.Snapshot;
}
