using Sync.Core.Export;
using Sync.Core.Trust;

namespace Sync.Transport.Grpc;

/// <summary>What the outside exports from, with which key, and (when set) the most bits per second it may send.</summary>
public sealed record OutsideSource(string Source, string StateDirectory, SigningKey Key, ExportOptions Options, long? MaxBitsPerSecond = null)
{
    /// <summary>How long the inside may stay silent while the outside waits for it, or leave a message unread.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(10);
}
