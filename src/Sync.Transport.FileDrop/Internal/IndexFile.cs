namespace Sync.Transport.FileDrop.Internal;

/// <summary>The index file layout: 8 magic bytes, then a serialized, signed <see cref="Protocol.V1.BundleIndex"/>.</summary>
internal static class IndexFile
{
    public const int FormatVersion = 1;

    /// <summary>An index lists parts of ~80 bytes each; this allows millions of them and stops a runaway file.</summary>
    public const long MaxBytes = 64L << 20;

    public static ReadOnlySpan<byte> Magic => "SYNCIDX1"u8;
}
