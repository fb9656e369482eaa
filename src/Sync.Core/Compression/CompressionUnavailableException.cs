namespace Sync.Core.Compression;

/// <summary>
/// The system compressor is missing or refused a setting. The outside then sends the bytes as they are; the inside
/// refuses a generation it cannot rebuild, saying how to export it without recompression.
/// </summary>
public sealed class CompressionUnavailableException : Exception
{
    public CompressionUnavailableException(string message)
        : base(message)
    {
    }

    public CompressionUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
