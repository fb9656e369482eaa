using Sync.Core.Posix;
namespace Sync.Core.FileSystem;

/// <summary>An open regular file of a tree: positional reads and writes, its length, and fsync.</summary>
public interface IFileHandle : IDisposable
{
    long Length { get; }

    /// <summary>True when writes bypass the page cache and must be whole aligned blocks (see DirectFileWriter).</summary>
    bool IsDirect { get; }

    int Read(Span<byte> buffer, long offset);

    void Write(ReadOnlySpan<byte> buffer, long offset);

    ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken);

    ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, long offset, CancellationToken cancellationToken);

    void SetLength(long length);

    /// <summary>fsync: the file's data and metadata are durable when this returns.</summary>
    void Sync();

    FileStatus Stat();

    void SetMode(int mode);

    void SetMtime(long mtimeNs);
}
