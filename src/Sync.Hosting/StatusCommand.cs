using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Sync.Hosting;

/// <summary>
/// `status --state DIR [--json]` of either agent: the agent reads its state into one document; this prints it as the
/// documented JSON object (its source-generated <paramref name="json"/> type info: no reflection at run time) or as
/// text with the same facts. Exit 0 once the state was read.
/// </summary>
public static class StatusCommand
{
    /// <summary>
    /// The conventions docs/status.md promises for both agents' documents (snake_case names, a null field left out,
    /// indented): each agent's source-generated context is built on these, so the two cannot drift apart. A new
    /// instance each call, since a context takes its options over.
    /// </summary>
    public static JsonSerializerOptions CreateJsonOptions() => new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static Command Create<T>(
        string agentName, string description, string stateDescription, Func<string, T> read, JsonTypeInfo<T> json, Action<T, TextWriter> text)
    {
        var state = new Option<string>("--state") { Description = stateDescription, Required = true };
        var asJson = new Option<bool>("--json") { Description = "One JSON object on stdout (schema in docs/status.md)." };
        var command = new Command("status", description) { state, asJson };
        command.SetAction((result, ct) => CommandRunner.RunAsync(agentName, _ =>
        {
            var document = read(result.GetValue(state)!);
            if (result.GetValue(asJson))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(document, json));
            }
            else
            {
                text(document, Console.Out);
            }

            return Task.FromResult(0);
        }, ct));
        return command;
    }
}
