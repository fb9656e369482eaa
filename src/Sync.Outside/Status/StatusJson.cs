using System.Text.Json.Serialization;

namespace Sync.Outside.Status;

/// <summary>
/// The `status --json` serializer, generated at build time: nothing is reflected on at run time (trimmed, ReadyToRun
/// builds). Built on <see cref="Sync.Hosting.StatusCommand.CreateJsonOptions"/>, the conventions both agents share.
/// </summary>
[JsonSerializable(typeof(OutsideStatusDocument))]
internal sealed partial class StatusJson : JsonSerializerContext;
