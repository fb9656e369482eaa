using System.Text.Json.Serialization;

namespace Sync.Core.Apply;

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(PublishedRecord))]
[JsonSerializable(typeof(ImportStatus))]
[JsonSerializable(typeof(Journal))]
[JsonSerializable(typeof(VerifyRecord))]
internal sealed partial class InsideJson : JsonSerializerContext;
