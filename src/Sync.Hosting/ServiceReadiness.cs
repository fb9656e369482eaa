using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting.Systemd;

namespace Sync.Hosting;

/// <summary>
/// Tells systemd (a <c>Type=notify</c> unit) that a long-running command is ready, once it has checked its options
/// and holds its socket: a unit that depends on it starts only then, and a command that fails before this point
/// fails its unit's start instead of looking started. Called by the command itself rather than on the host's start,
/// because the hosts start before their work binds anything. Outside systemd (no <c>NOTIFY_SOCKET</c>) it does nothing.
/// </summary>
public static class ServiceReadiness
{
    public static void Ready(IServiceProvider services, string status)
    {
        var notifier = services.GetRequiredService<ISystemdNotifier>();
        if (notifier.IsEnabled)
        {
            notifier.Notify(new ServiceState($"READY=1\nSTATUS={status.ReplaceLineEndings(" ")}"));
        }
    }
}
