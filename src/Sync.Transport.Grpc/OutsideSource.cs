using Sync.Core.Export;
using Sync.Core.Trust;

namespace Sync.Transport.Grpc;

/// <summary>What the outside exports from, and with which key.</summary>
public sealed record OutsideSource(string Source, string StateDirectory, SigningKey Key, ExportOptions Options);
