namespace Sync.Outside.Status;

/// <summary>
/// What `sync-outside status --json` prints: one object, names in snake_case, documented field by field in
/// docs/status.md. Stable: fields are only ever added (and <see cref="Schema"/> raised when they are); none is renamed,
/// retyped or removed. A null field is left out of the JSON ("absent" in the docs).
/// </summary>
internal sealed record OutsideStatusDocument
{
    public const int CurrentSchema = 1;

    public int Schema { get; init; } = CurrentSchema;

    public string Agent { get; init; } = OutsideAgent.Name;

    public required string StateDirectory { get; init; }

    /// <summary>The highest generation number used; the next is above it. 0 when none.</summary>
    public required long LastGeneration { get; init; }

    /// <summary>The generation the next delta builds on; 0 when the next export is full.</summary>
    public required long BaseGeneration { get; init; }

    public string? BaseManifestDigest { get; init; }

    /// <summary>When the base generation was delivered, sent or published: the last success.</summary>
    public DateTime? LastSuccessAt { get; init; }

    public string? SigningKeyId { get; init; }

    /// <summary>Per carrier ("file-drop", "udp", "grpc"), the newest emission over it.</summary>
    public required IReadOnlyDictionary<string, EmissionItem> LastByCarrier { get; init; }

    /// <summary>Recorded but not resolved: an emission a crash interrupted, which the next run finishes or abandons.</summary>
    public EmissionItem? Interrupted { get; init; }

    /// <summary>A sealed bundle index the next export writes into the drop folder again.</summary>
    public string? OwedIndex { get; init; }

    /// <summary>gRPC pushes above the base whose inside never said it published them.</summary>
    public required IReadOnlyList<EmissionItem> AwaitingAcknowledgement { get; init; }

    /// <summary>The latest emissions, oldest first.</summary>
    public required IReadOnlyList<EmissionItem> History { get; init; }

    /// <summary>Streams kept for later passes and the carousel; absent when this outside never sent over UDP.</summary>
    public IReadOnlyList<SpooledStream>? UdpSpool { get; init; }

    internal sealed record EmissionItem(
        long Generation, long BaseGeneration, string Carrier, string Outcome, DateTime At, string StreamId, string ManifestDigest)
    {
        public string? KeyId { get; init; }
    }

    internal sealed record SpooledStream(long Generation, long BaseGeneration, string StreamId, long Bytes);
}
