using System.Text.Json.Serialization;

namespace Sync.Core.Export;

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(OutsideState.Record))]
internal sealed partial class StateJson : JsonSerializerContext;
