namespace Sync.Transport.Udp;

/// <summary>
/// Why a <see cref="UdpSendOptions"/> cannot be sent with: the setting, and what it needs, worded to follow the
/// setting's name (" must be 1..4096", ": GF(2^8) blocks need ..."). The library names settings as its properties read
/// ("interleave"), the command line as its options ("--interleave"); the check is <see cref="UdpSendValidation"/>'s, once.
/// </summary>
public sealed record UdpSendProblem(UdpSendSetting Setting, string Requirement)
{
    public string Describe(string settingName) => settingName + Requirement;
}
