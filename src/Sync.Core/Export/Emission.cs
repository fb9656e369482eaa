namespace Sync.Core.Export;

/// <summary>
/// One generation the outside signed and handed to a carrier, as its state records it: which number, built on which
/// base, which manifest and stream, over which carrier, when it was made, and how it ended. <see cref="File"/> is the
/// carrier's own copy that an interrupted emission is resolved with: the name of the sealed bundle index kept in
/// emitted/, or the UDP spool stream's path relative to the state directory. <see cref="KeyId"/> names the signing
/// key for `status` (null in records of earlier versions).
/// </summary>
public sealed record Emission(
    long Generation,
    long BaseGeneration,
    string ManifestDigest,
    string StreamId,
    string Carrier,
    DateTimeOffset At,
    string Outcome,
    string? File = null,
    string? KeyId = null)
{
    public const string FileDrop = "file-drop";
    public const string Udp = "udp";
    public const string Grpc = "grpc";

    /// <summary>Recorded before it became visible; an interruption is resolved on the next open.</summary>
    public const string Pending = "pending";

    /// <summary>Its bundle index is in the drop folder (nothing answers on a file drop: visible is delivered).</summary>
    public const string Delivered = "delivered";

    /// <summary>Sent over UDP (nothing answers on a diode); its spool stays for the carousel.</summary>
    public const string Sent = "sent";

    /// <summary>The inside said it published it (gRPC).</summary>
    public const string Published = "published";

    /// <summary>Sent over gRPC, but the inside's answer never came; the next push learns what it holds.</summary>
    public const string Unconfirmed = "unconfirmed";

    /// <summary>Never became visible; its number stays used.</summary>
    public const string Abandoned = "abandoned";
}
