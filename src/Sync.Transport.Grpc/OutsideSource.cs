using Sync.Core.Export;
using Sync.Core.Trust;

namespace Sync.Transport.Grpc;

/// <summary>What the outside exports from, with which key, and (when set) the most bits per second it may send.</summary>
public sealed record OutsideSource(string Source, string StateDirectory, SigningKey Key, ExportOptions Options, long? MaxBitsPerSecond = null);
