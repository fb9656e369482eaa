using System.Net;
using Sync.Core;

namespace Sync.Hosting.Tests;

/// <summary>The UDP carrier's arguments, as both agents parse them: what an operator writes, and one usage line for the rest.</summary>
public sealed class UdpArgumentsTests
{
    [Theory]
    [InlineData("800M", 800_000_000L)]
    [InlineData("1G", 1_000_000_000L)]
    [InlineData("1.5g", 1_500_000_000L)]
    [InlineData("100k", 100_000L)]
    [InlineData("250000", 250_000L)]
    [InlineData("10 Gbit/s", 10_000_000_000L)]
    [InlineData("900Mbps", 900_000_000L)]
    public void Rates_are_bits_per_second_with_decimal_suffixes(string text, long expected) =>
        Assert.Equal(expected, UdpArguments.Rate("--rate", text));

    [Theory]
    [InlineData("fast")]
    [InlineData("1T")]
    [InlineData("7999")]
    [InlineData("401G")]
    [InlineData("")]
    [InlineData("-5M")]
    public void A_rate_out_of_range_or_unreadable_is_a_usage_error_naming_the_option(string text)
    {
        var e = Assert.Throws<SyncException>(() => UdpArguments.Rate("--rate", text));
        Assert.Equal(SyncErrorKind.Usage, e.Kind);
        Assert.StartsWith("--rate: ", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("25", 0.25)]
    [InlineData("25%", 0.25)]
    [InlineData("12.5", 0.125)]
    [InlineData("0", 0.0)]
    public void Percentages_are_returned_as_fractions(string text, double expected) =>
        Assert.Equal(expected, UdpArguments.Percent("--fec", text, 100), 9);

    [Theory]
    [InlineData("101")]
    [InlineData("-1")]
    [InlineData("a lot")]
    public void A_percentage_out_of_range_is_a_usage_error(string text) =>
        Assert.Equal(SyncErrorKind.Usage, Assert.Throws<SyncException>(() => UdpArguments.Percent("--fec", text, 100)).Kind);

    [Theory]
    [InlineData("198.18.0.2:7700", "198.18.0.2", 7700)]
    [InlineData("239.255.10.1:7700", "239.255.10.1", 7700)]
    [InlineData("0.0.0.0:1", "0.0.0.0", 1)]
    [InlineData("[::1]:7700", "::1", 7700)]
    [InlineData("localhost:7700", "127.0.0.1", 7700)]
    public void Endpoints_take_addresses_or_names(string text, string address, int port) =>
        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), UdpArguments.Endpoint("--udp", text));

    [Theory]
    [InlineData("198.18.0.2")]
    [InlineData("198.18.0.2:0")]
    [InlineData("198.18.0.2:70000")]
    [InlineData(":7700")]
    public void A_bad_endpoint_is_a_usage_error_naming_the_option(string text)
    {
        var e = Assert.Throws<SyncException>(() => UdpArguments.Endpoint("--udp", text));
        Assert.Equal(SyncErrorKind.Usage, e.Kind);
        Assert.StartsWith("--udp: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_host_name_too_long_to_resolve_is_a_usage_error_not_an_internal_one()
    {
        var e = Assert.Throws<SyncException>(() => UdpArguments.Endpoint("--udp", new string('a', 300) + ":7700"));
        Assert.Equal(SyncErrorKind.Usage, e.Kind);
        Assert.Equal("--udp: the host name is 300 characters long; a host name has at most 255", e.Message);
    }
}
