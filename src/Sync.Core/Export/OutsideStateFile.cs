using Sync.Core.Storage;
using System.Text.Json;

namespace Sync.Core.Export;

/// <summary>
/// state.json of the outside's state directory: read and checked before anything acts on it (a record that names
/// files outside the places the outside keeps them is refused), written atomically.
/// </summary>
internal static class OutsideStateFile
{
    public const string Name = "state.json";

    /// <summary>The record in <paramref name="directory"/>; <see cref="OutsideState.Record.None"/> when there is none yet.</summary>
    public static OutsideState.Record Read(string directory)
    {
        var path = Path.Combine(directory, Name);
        if (!File.Exists(path))
        {
            return OutsideState.Record.None;
        }

        OutsideState.Record record;
        string? problem;
        try
        {
            record = JsonSerializer.Deserialize(File.ReadAllBytes(path), StateJson.Default.Record) ?? OutsideState.Record.None;
            problem = Problem(record);
        }
        catch (JsonException e)
        {
            record = OutsideState.Record.None;
            problem = e.Message;
        }

        return problem is null ? record : throw new SyncException(SyncErrorKind.Failure, $"state file '{path}' is damaged: {problem}");
    }

    public static void Write(string path, OutsideState.Record record) =>
        AtomicFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(record, StateJson.Default.Record));

    /// <summary>
    /// What is wrong with a state record read from disk, or null. JSON leaves a missing field null; and since resolving an
    /// emission deletes the file it names, that name must lie where the outside keeps such files, whatever it says.
    /// </summary>
    private static string? Problem(OutsideState.Record record) =>
        record.ManifestDigest is null || record.LastStreamId is null ? "a field is missing"
        : record.Generation < 0 || record.LastGeneration < 0 ? $"generation {Math.Min(record.Generation, record.LastGeneration)}"
        : record.Pending is { } pending && Problem(pending) is { } why ? $"its pending emission {why}"
        : record.History?.Select(e => e is null ? "is missing" : Problem(e)).FirstOrDefault(p => p is not null) is { } bad ? $"an emission of its history {bad}"
        : record.OwedIndex is { } owed && !IsFileName(owed) ? $"the owed index '{owed}' is not a file name"
        : null;

    private static string? Problem(Emission emission) =>
        emission.ManifestDigest is null || emission.StreamId is null || emission.Carrier is null || emission.Outcome is null ? "lacks a field"
        : emission.File is not { } file ? null
        : emission.Carrier == Emission.FileDrop && !IsFileName(file) ? $"names index '{file}', not a file name"
        : emission.Carrier == Emission.Udp && !IsRelativeBelow(file) ? $"names spool '{file}', not a path in the state directory"
        : null;

    private static bool IsFileName(string name) => name is not ("" or "." or "..") && name.IndexOfAny(['/', '\0']) < 0;

    private static bool IsRelativeBelow(string path) =>
        !Path.IsPathRooted(path) && path.Length > 0 && !path.Contains('\0') && path.Split('/').All(c => c is not ("" or "." or ".."));
}
