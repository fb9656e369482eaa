using System.Text.Json.Serialization;

namespace Sync.Hosting.Configuration;

/// <summary>Source-generated JSON for the example file's values: no reflection in a trimmed or ReadyToRun build.</summary>
[JsonSerializable(typeof(string))]
internal sealed partial class ConfigurationJsonContext : JsonSerializerContext;
