using Sync.Core.Export;
using Sync.Core.Trust;

namespace Sync.Engine.Outside;

/// <summary>What the outside publishes from: the source tree, its state directory, the signing key and the export options.</summary>
public sealed record GenerationSource(string Source, string StateDirectory, SigningKey Key, ExportOptions Options);
