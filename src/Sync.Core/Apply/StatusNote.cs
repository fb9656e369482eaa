namespace Sync.Core.Apply;

/// <summary>
/// One line of what waits or was refused, as status.json keeps it: the kind in snake_case (a <see cref="PendingKind"/>
/// or <see cref="RefusalKind"/> name, kept as text so a status written by a newer version still reads), the message, and
/// the generations it is about where the intake knows them.
/// </summary>
public sealed record StatusNote(string Kind, string Reason)
{
    /// <summary>The generation it carries, or null.</summary>
    public long? Generation { get; init; }

    /// <summary>The generation a delta builds on (0 for a full one), or null.</summary>
    public long? BaseGeneration { get; init; }

    public static StatusNote Pending(PendingKind kind, string reason, long? generation = null, long? baseGeneration = null) =>
        new(Name(kind.ToString()), reason) { Generation = generation, BaseGeneration = baseGeneration };

    public static StatusNote Refused(RefusalKind kind, string reason, long? generation = null, long? baseGeneration = null) =>
        new(Name(kind.ToString()), reason) { Generation = generation, BaseGeneration = baseGeneration };

    /// <summary>MissingBase → missing_base (Enum.ToString needs no reflection metadata the trimmer could remove).</summary>
    private static string Name(string pascal) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(pascal);
}
