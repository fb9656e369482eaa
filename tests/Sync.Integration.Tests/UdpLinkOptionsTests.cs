using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests;

/// <summary>
/// The UDP link's send settings are range-checked once, by the library's own check, and `sync-outside send` runs it
/// on what the command line and the configuration file gave before anything is scanned or sent: exit 2 and one line
/// naming the option, or the file and the key it came from.
/// </summary>
public sealed class UdpLinkOptionsTests
{
    [Theory]
    [InlineData("--interleave", "0", "--interleave must be 1..4096")]
    [InlineData("--mtu", "70000", "--mtu must be 576..65535")]
    [InlineData("--passes", "256", "--passes must be 1..255")]
    [InlineData("--ttl", "256", "--ttl must be 0..255")]
    [InlineData("--data-symbols", "300",
        "--data-symbols and --fec-overhead: GF(2^8) blocks need 1 <= k <= 255 and k + repair at most 256 (k 300, repair 75); lower --fec-overhead or --data-symbols, or use --fec-code rs16")]
    public async Task A_link_setting_out_of_range_on_the_command_line_exits_2_naming_the_option(string option, string value, string expected)
    {
        using var pair = await SyncPair.CreateAsync();

        var send = await Run.Outside(Send(pair, option, value));

        Assert.True(send.ExitCode == 2, send.ToString());
        Assert.Equal($"sync-outside: error: {expected}", send.Stderr.Trim());
        Assert.False(Directory.Exists(Path.Combine(pair.OutsideState, "udp-spool")), "nothing may be spooled");
    }

    [Fact]
    public async Task A_link_setting_out_of_range_in_the_configuration_file_names_the_file_and_the_key()
    {
        using var pair = await SyncPair.CreateAsync();
        var config = pair.MakeDir("config") + "/outside.json";
        File.WriteAllText(config, """{ "send": { "interleave": 5000 } }""");

        var send = await Run.Outside(Send(pair, "--config", config));

        Assert.True(send.ExitCode == 2, send.ToString());
        Assert.Equal($"sync-outside: error: {config}: key 'send:interleave': --interleave must be 1..4096", send.Stderr.Trim());
    }

    private static string[] Send(SyncPair pair, params string[] extra) =>
        ["send", "--source", pair.Source, "--state", pair.OutsideState, "--key", pair.Key, "--udp", "127.0.0.1:9", "--rate", "1M", "--quiet", .. extra];
}
