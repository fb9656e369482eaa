using Sync.Core.FileSystem;
using Sync.Core.Posix;

namespace Sync.Testing.FileSystem;

/// <summary>An open file of the simulated file system.</summary>
internal sealed class SimulatedFileHandle : IFileHandle
{
    private readonly SimulatedFileSystem _fileSystem;
    private readonly SimulatedNode _node;
    private readonly bool _writable;

    public SimulatedFileHandle(SimulatedFileSystem fileSystem, SimulatedNode node, bool writable)
    {
        _fileSystem = fileSystem;
        _node = node;
        _writable = writable;
    }

    public long Length
    {
        get
        {
            _fileSystem.CheckPower();
            return _node.Length;
        }
    }

    public bool IsDirect => false;

    public int Read(Span<byte> buffer, long offset)
    {
        _fileSystem.CheckPower();
        if (offset >= _node.Length)
        {
            return 0;
        }

        var n = (int)Math.Min(buffer.Length, _node.Length - offset);
        _node.Data.AsSpan((int)offset, n).CopyTo(buffer);
        return n;
    }

    public void Write(ReadOnlySpan<byte> buffer, long offset)
    {
        EnsureWritable();
        _fileSystem.Step();
        _node.Write(buffer, offset);
        _node.MtimeNs = _fileSystem.Now();
    }

    public ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken) => ValueTask.FromResult(Read(buffer.Span, offset));

    public ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, long offset, CancellationToken cancellationToken)
    {
        Write(buffer.Span, offset);
        return ValueTask.CompletedTask;
    }

    public void SetLength(long length)
    {
        EnsureWritable();
        _fileSystem.Step();
        _node.SetLength(length);
        _node.MtimeNs = _fileSystem.Now();
    }

    public void Sync()
    {
        _fileSystem.Step();
        _node.MakeDurable();
    }

    public FileStatus Stat()
    {
        _fileSystem.CheckPower();
        return SimulatedFileSystem.Status(_node);
    }

    public void SetMode(int mode)
    {
        _fileSystem.Step();
        _node.Mode = mode & 0xFFF;
    }

    public void SetMtime(long mtimeNs)
    {
        _fileSystem.Step();
        _node.MtimeNs = mtimeNs;
    }

    public void Dispose()
    {
    }

    private void EnsureWritable()
    {
        if (!_writable)
        {
            throw new IOException("file not open for writing", 9 /* EBADF */);
        }
    }
}
