using System.Net;
using Sync.Core;

namespace Sync.Transport.Udp.Tests;

/// <summary>
/// The MAC key's one rule (issue 12: checked in one place): the agents' key file, the send settings and the receive
/// options all refuse a key under 16 bytes and take one of 16.
/// </summary>
public sealed class UdpMacKeyUnitTests
{
    [Fact]
    public void A_key_file_is_its_bytes_and_needs_at_least_16_of_them()
    {
        using var directory = new TempDirectory();
        var good = directory.File("good.key", 16, seed: 1);
        var shortKey = directory.File("short.key", 15, seed: 2);

        Assert.Equal(File.ReadAllBytes(good), UdpMacKey.Read("--mac-key", good));
        var tooShort = Assert.Throws<SyncException>(() => UdpMacKey.Read("--mac-key", shortKey));
        Assert.Equal(SyncErrorKind.Usage, tooShort.Kind);
        Assert.Equal($"--mac-key: '{shortKey}' holds 15 bytes; a MAC key needs at least 16 (openssl rand 32 > FILE)", tooShort.Message);
        var missing = Assert.Throws<SyncException>(() => UdpMacKey.Read("--mac-key", Path.Combine(directory.Path, "missing")));
        Assert.Equal(SyncErrorKind.Usage, missing.Kind);
        Assert.StartsWith("--mac-key: cannot read", missing.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(15, "MAC key must be at least 16 bytes")]
    [InlineData(16, null)]
    public void The_receive_options_hold_a_key_to_the_same_rule(int length, string? refusal)
    {
        var options = new UdpReceiveOptions(new IPEndPoint(IPAddress.Loopback, 9), "spool")
        {
            Verifier = TestTickets.Verifier,
            MacKey = new byte[length],
        };

        var e = Record.Exception(options.Validate);

        Assert.Equal(refusal, e?.Message);
    }

    [Theory]
    [InlineData(15, "MAC key must be at least 16 bytes")]
    [InlineData(16, null)]
    public void The_send_settings_hold_a_key_to_the_same_rule(int length, string? refusal)
    {
        var options = TestTickets.Send(new IPEndPoint(IPAddress.Loopback, 9), 1_000_000) with { MacKey = new byte[length] };

        Assert.Equal(refusal, UdpSendValidation.FirstProblem(options)?.Describe("MAC key"));
    }
}
