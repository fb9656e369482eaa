using Sync.Core.Apply;

namespace Sync.Transport.Grpc;

/// <summary>Where and how the inside publishes what it receives.</summary>
public sealed record InsideTarget(string Target, string StateDirectory, PublishMode Mode, int KeepSnapshots)
{
    /// <summary>How long the outside may stay silent while the inside waits for its next message, or leave a message unread.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(10);
}
