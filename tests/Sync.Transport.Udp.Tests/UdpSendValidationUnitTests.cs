using System.Net;
using Sync.Transport.Udp;

namespace Sync.Transport.Udp.Tests;

/// <summary>
/// The one range check of the send settings (issue 12): each setting out of range is named as that setting, the
/// library's exception words it as the property reads, and the defaults and the edges of each range pass.
/// </summary>
public sealed class UdpSendValidationUnitTests
{
    private static readonly UdpSendOptions Fine = TestTickets.Send(new IPEndPoint(IPAddress.Loopback, 9), 1_000_000);

    public static TheoryData<string, UdpSendSetting, string> OutOfRange => new()
    {
        { "rate 7999", UdpSendSetting.Rate, "rate must be at least 8000 bit/s" },
        { "mtu 575", UdpSendSetting.Mtu, "MTU must be 576..65535" },
        { "mtu 65536", UdpSendSetting.Mtu, "MTU must be 576..65535" },
        { "code 9", UdpSendSetting.Code, "code: unknown erasure code 9" },
        { "k 0", UdpSendSetting.DataSymbols, "data symbols per block must be 1..65535" },
        { "overhead NaN", UdpSendSetting.FecOverhead, "FEC overhead must be 0..6400%" },
        { "rs8 k 200 at 50%", UdpSendSetting.Shape, "block shape: GF(2^8) blocks need 1 <= k <= 255 and k + repair at most 256 (k 200, repair 100)" },
        { "interleave 0", UdpSendSetting.Interleave, "interleave must be 1..4096" },
        { "interleave 4097", UdpSendSetting.Interleave, "interleave must be 1..4096" },
        { "passes 256", UdpSendSetting.Passes, "passes must be 1..255" },
        { "first pass 250 of 10", UdpSendSetting.FirstPass, "first pass: passes are numbered 1..255 on the wire: first pass + passes - 1 must not exceed 255" },
        { "ttl 256", UdpSendSetting.Ttl, "TTL must be 0..255" },
        { "announce 0", UdpSendSetting.AnnounceInterval, "announce interval must be positive" },
        { "mac 15 bytes", UdpSendSetting.MacKey, "MAC key must be at least 16 bytes" },
        { "rs16 small objects k 200 at 50%", UdpSendSetting.Shape, "block shape: GF(2^8) blocks need 1 <= k <= 255 and k + repair at most 256 (k 200, repair 100)" },
    };

    [Fact]
    public void The_interleave_follows_the_mtu_until_it_is_set()
    {
        Assert.Equal(64, Fine.Interleave);
        Assert.Equal(8, (Fine with { Mtu = 9000 }).Interleave);
        var set = Fine with { Interleave = 256 };
        Assert.Equal(256, (set with { Mtu = 9000 }).Interleave);
    }

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void Each_setting_out_of_range_is_named_and_refused_by_the_sender(string change, UdpSendSetting setting, string message)
    {
        var options = With(change);

        var problem = UdpSendValidation.FirstProblem(options);

        Assert.Equal(setting, problem?.Setting);
        Assert.Equal(message, Assert.Throws<ArgumentException>(options.Validate).Message);
    }

    [Theory]
    [InlineData("defaults")]
    [InlineData("mtu 576")]
    [InlineData("mtu 65535")]
    [InlineData("interleave 4096")]
    [InlineData("passes 255")]
    [InlineData("ttl 0")]
    [InlineData("mac 16 bytes")]
    [InlineData("rs8 k 128 at 100%")]
    public void The_defaults_and_the_edges_of_each_range_pass(string change)
    {
        var options = With(change);

        Assert.Null(UdpSendValidation.FirstProblem(options));
        options.Validate();
    }

    [Fact]
    public void A_front_end_names_the_setting_its_own_way()
    {
        var problem = UdpSendValidation.FirstProblem(With("interleave 0"))!;

        Assert.Equal("--interleave must be 1..4096", problem.Describe("--interleave"));
    }

    private static UdpSendOptions With(string change) => change switch
    {
        "defaults" => Fine,
        "rate 7999" => Fine with { RateBitsPerSecond = 7_999 },
        "mtu 575" => Fine with { Mtu = 575 },
        "mtu 576" => Fine with { Mtu = 576 },
        "mtu 65535" => Fine with { Mtu = 65535 },
        "mtu 65536" => Fine with { Mtu = 65536 },
        "code 9" => Fine with { Code = (FecCode)9 },
        "k 0" => Fine with { DataSymbolsPerBlock = 0 },
        "overhead NaN" => Fine with { FecOverhead = double.NaN },
        "rs8 k 200 at 50%" => Fine with { DataSymbolsPerBlock = 200, FecOverhead = 0.5 },
        "rs8 k 128 at 100%" => Fine with { DataSymbolsPerBlock = 128, FecOverhead = 1.0 },
        "interleave 0" => Fine with { Interleave = 0 },
        "interleave 4096" => Fine with { Interleave = 4096 },
        "interleave 4097" => Fine with { Interleave = 4097 },
        "passes 255" => Fine with { Passes = 255 },
        "passes 256" => Fine with { Passes = 256 },
        "first pass 250 of 10" => Fine with { FirstPass = 250, Passes = 10 },
        "ttl 0" => Fine with { Ttl = 0 },
        "ttl 256" => Fine with { Ttl = 256 },
        "announce 0" => Fine with { AnnounceInterval = TimeSpan.Zero },
        "mac 15 bytes" => Fine with { MacKey = new byte[15] },
        "mac 16 bytes" => Fine with { MacKey = new byte[16] },
        "rs16 small objects k 200 at 50%" => Fine with
        {
            Code = FecCode.ReedSolomon16,
            DataSymbolsPerBlock = 15360,
            FecOverhead = 0.0657,
            Interleave = 1,
            SmallObjects = new FecShape(FecCode.ReedSolomon8, 200, 0.5, 16),
        },
        _ => throw new ArgumentOutOfRangeException(nameof(change), change, null),
    };
}
