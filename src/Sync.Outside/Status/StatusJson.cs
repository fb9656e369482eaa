using System.Text.Json.Serialization;

namespace Sync.Outside.Status;

/// <summary>The `status --json` serializer, generated at build time: nothing is reflected on at run time (trimmed, ReadyToRun builds).</summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(OutsideStatusDocument))]
internal sealed partial class StatusJson : JsonSerializerContext;
