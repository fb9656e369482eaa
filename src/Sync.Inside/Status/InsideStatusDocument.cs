namespace Sync.Inside.Status;

/// <summary>
/// What `sync-inside status --json` prints: one object, names in snake_case, documented field by field in
/// docs/status.md. Stable: fields are only ever added (and <see cref="Schema"/> raised when they are); none is renamed,
/// retyped or removed. A null field is left out of the JSON ("absent" in the docs).
/// </summary>
internal sealed record InsideStatusDocument
{
    public const int CurrentSchema = 1;

    public int Schema { get; init; } = CurrentSchema;

    public string Agent { get; init; } = InsideAgent.Name;

    public required string StateDirectory { get; init; }

    /// <summary>0 when nothing is published.</summary>
    public required long PublishedGeneration { get; init; }

    public DateTime? PublishedAt { get; init; }

    /// <summary>"snapshot" or "in-place".</summary>
    public string? Mode { get; init; }

    public string? Target { get; init; }

    public string? ManifestDigest { get; init; }

    public SigningKey? SignedBy { get; init; }

    public VerifyResult? LastVerify { get; init; }

    /// <summary>True when the last verify of the published generation found differences (repair puts them right).</summary>
    public required bool Damaged { get; init; }

    public InterruptedPublish? Interrupted { get; init; }

    public DateTime? LastImportAt { get; init; }

    public required IReadOnlyList<Note> Pending { get; init; }

    public required IReadOnlyList<Note> Refused { get; init; }

    public UdpState? Udp { get; init; }

    public IReadOnlyList<ReleaseFile>? ReleaseFiles { get; init; }

    internal sealed record SigningKey(string Name, string? KeyId);

    internal sealed record VerifyResult(long Generation, DateTime At, int Differences, IReadOnlyList<string> Sample);

    internal sealed record InterruptedPublish(long Generation);

    internal sealed record Note(string Kind, string Reason)
    {
        public long? Generation { get; init; }

        public long? BaseGeneration { get; init; }
    }

    internal sealed record UdpState(IReadOnlyList<InboxStream> Inbox, IReadOnlyList<PartialSession> PartialSessions);

    internal sealed record InboxStream(long Generation, long BaseGeneration, string StreamId);

    internal sealed record PartialSession(string SessionId, long? ObjectBytes, long BytesOnDisk, DateTime LastActivity);

    /// <summary>validity: "valid", "expiring" (within a day), "expired", "unbounded" (no Valid-Until) or "unreadable".</summary>
    internal sealed record ReleaseFile(string Path, string? Suite, string? Codename, DateTime? Date, DateTime? ValidUntil, string Validity);
}
