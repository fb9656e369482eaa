using Sync.Fec;
using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp;

/// <summary>
/// The one range check of the UDP link's send settings: <see cref="UdpSender"/> runs it before anything is sent, and
/// the agents run it on what the command line and the configuration file gave, before a scan, to fail as a usage error
/// naming their own options. A new limit lands here and both see it.
/// </summary>
public static class UdpSendValidation
{
    public const int MinMtu = 576;
    public const int MaxMtu = 65535;
    public const int MaxInterleave = 4096;

    /// <summary>The first setting that is out of range, in the order an operator would fix them; null when every one is fine.</summary>
    public static UdpSendProblem? FirstProblem(UdpSendOptions o)
    {
        if (o.RateBitsPerSecond < 8_000)
        {
            return new(UdpSendSetting.Rate, " must be at least 8000 bit/s");
        }

        if (o.Mtu is < MinMtu or > MaxMtu)
        {
            return new(UdpSendSetting.Mtu, $" must be {MinMtu}..{MaxMtu}");
        }

        if (!FecCodes.IsKnown(o.Code))
        {
            return new(UdpSendSetting.Code, $": unknown erasure code {(int)o.Code}");
        }

        if (ShapeProblem(o) is { } shape)
        {
            return shape;
        }

        if (o.SmallObjects is not null && o.Code == FecCode.ReedSolomon16 && FirstProblem(o.ForObject(0)) is { } small)
        {
            return small;
        }

        return o switch
        {
            { Interleave: < 1 or > MaxInterleave } => new(UdpSendSetting.Interleave, $" must be 1..{MaxInterleave}"),
            { Passes: < 1 or > 255 } => new(UdpSendSetting.Passes, " must be 1..255"),
            _ when o.FirstPass < 1 || o.FirstPass + o.Passes - 1 > 255 =>
                new(UdpSendSetting.FirstPass, ": passes are numbered 1..255 on the wire: first pass + passes - 1 must not exceed 255"),
            { Ttl: < 0 or > 255 } => new(UdpSendSetting.Ttl, " must be 0..255"),
            _ when o.AnnounceInterval <= TimeSpan.Zero => new(UdpSendSetting.AnnounceInterval, " must be positive"),
            _ when UdpMacKey.Problem(o.MacKey) is { } mac => new(UdpSendSetting.MacKey, mac),
            _ when o.SymbolSize <= AnnounceCodec.FragmentHeaderSize + 64 => new(UdpSendSetting.Mtu, " too small"),
            _ => null,
        };
    }

    /// <summary>Why k and the repair count are no block shape of the options' code; null when they are one.</summary>
    internal static UdpSendProblem? ShapeProblem(UdpSendOptions o) =>
        o.DataSymbolsPerBlock is < 1 or >= ReedSolomon16Codec.FieldSize ? new(UdpSendSetting.DataSymbols, $" must be 1..{ReedSolomon16Codec.FieldSize - 1}")
        : !(o.FecOverhead >= 0 && o.FecOverhead <= 64) ? new(UdpSendSetting.FecOverhead, " must be 0..6400%") // NaN and infinities fail too
        : FecCodes.ShapeError(o.Code, o.DataSymbolsPerBlock, o.RepairPerPass) is { } error ? new(UdpSendSetting.Shape, ": " + error)
        : null;

    /// <summary>How the library's own exceptions name a setting: as its property reads.</summary>
    internal static string LibraryName(UdpSendSetting setting) => setting switch
    {
        UdpSendSetting.Rate => "rate",
        UdpSendSetting.Mtu => "MTU",
        UdpSendSetting.Code => "code",
        UdpSendSetting.DataSymbols => "data symbols per block",
        UdpSendSetting.FecOverhead => "FEC overhead",
        UdpSendSetting.Shape => "block shape",
        UdpSendSetting.Interleave => "interleave",
        UdpSendSetting.Passes => "passes",
        UdpSendSetting.FirstPass => "first pass",
        UdpSendSetting.Ttl => "TTL",
        UdpSendSetting.AnnounceInterval => "announce interval",
        UdpSendSetting.MacKey => "MAC key",
        _ => setting.ToString(),
    };
}
