namespace Sync.Transport.Udp;

/// <summary>The setting of <see cref="UdpSendOptions"/> a <see cref="UdpSendProblem"/> is about, so each front end names it its own way.</summary>
public enum UdpSendSetting
{
    Rate,
    Mtu,
    Code,
    DataSymbols,
    FecOverhead,

    /// <summary>Data symbols and repair overhead together: no block shape of the code.</summary>
    Shape,
    Interleave,
    Passes,
    FirstPass,
    Ttl,
    AnnounceInterval,
    MacKey,
}
