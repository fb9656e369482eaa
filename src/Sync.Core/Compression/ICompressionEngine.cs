namespace Sync.Core.Compression;

/// <summary>One native compressor stream, stepped synchronously over spans (the native call never spans an await).</summary>
internal interface ICompressionEngine : IDisposable
{
    /// <summary>
    /// Compresses what it can of <paramref name="input"/> into <paramref name="output"/>. With <paramref name="finish"/>
    /// (all input given) it flushes; returns true once the stream is complete.
    /// </summary>
    bool Step(ReadOnlySpan<byte> input, Span<byte> output, bool finish, out int consumed, out int produced);
}
