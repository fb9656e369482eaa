using System.Text.Json.Serialization;

namespace Sync.Core.Export;

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(OutsideState.Record))]
[JsonSerializable(typeof(OutsideState.Pending))]
internal sealed partial class StateJson : JsonSerializerContext;
