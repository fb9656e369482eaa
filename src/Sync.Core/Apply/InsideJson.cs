using System.Text.Json.Serialization;

namespace Sync.Core.Apply;

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(PublishedRecord))]
[JsonSerializable(typeof(ImportStatus))]
[JsonSerializable(typeof(Journal))]
[JsonSerializable(typeof(VerifyRecord))]
[JsonSerializable(typeof(List<string>), TypeInfoPropertyName = "ListString")]
[JsonSerializable(typeof(Dictionary<string, long>), TypeInfoPropertyName = "DictionaryStringInt64")]
internal sealed partial class InsideJson : JsonSerializerContext;
