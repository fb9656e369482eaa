using System.Text.Json.Serialization;

namespace Sync.Inside.Status;

/// <summary>The `status --json` serializer, generated at build time: nothing is reflected on at run time (trimmed, ReadyToRun builds).</summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(InsideStatusDocument))]
internal sealed partial class StatusJson : JsonSerializerContext;
