using System.Buffers.Binary;
using Sync.Core.Delta;
using Sync.Core.Hashing;

namespace Sync.Core.Storage;

/// <summary>
/// The outside's block signatures of file contents it exported, by content digest. They let the next export
/// send a byte delta for a file changed in place although the old bytes are gone from the source tree.
/// </summary>
/// <remarks>
/// One append-only pack file (<c>signatures.pack</c>: records of digest, length, signature bytes) with an index
/// in memory, because a file per signature costs more in metadata operations than the scan itself on trees of
/// many small files. No fsync: signatures only make deltas smaller; a torn tail after a crash is cut off on
/// open, and each signature carries its own checksum, so a damaged one is never used (the content then
/// travels as chunks). Thread-safe: the scanner saves from several threads.
/// </remarks>
public sealed class SignatureStore : IDisposable
{
    private const int RecordHeader = Digest.Size + 4;

    private readonly string _path;
    private readonly Dictionary<Digest, (long Offset, int Length)> _index = new();
    private readonly object _gate = new();
    private FileStream _pack;
    private long _liveBytes;

    public SignatureStore(string directory)
    {
        Directory.CreateDirectory(directory);
        _path = Path.Combine(directory, "signatures.pack");
        _pack = new FileStream(_path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 1 << 16);
        LoadIndex();
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _index.Count;
            }
        }
    }

    public bool Contains(Digest digest)
    {
        lock (_gate)
        {
            return _index.ContainsKey(digest);
        }
    }

    public BlockSignature? TryLoad(Digest digest, long baseLength) => TryLoad(digest, baseLength, exact: true);

    /// <summary>A signature whose base length the caller does not know (the plain text of a compressed file).</summary>
    public BlockSignature? TryLoadAnyLength(Digest digest) => TryLoad(digest, long.MaxValue, exact: false);

    private BlockSignature? TryLoad(Digest digest, long baseLength, bool exact)
    {
        byte[] bytes;
        lock (_gate)
        {
            if (!_index.TryGetValue(digest, out var at))
            {
                return null;
            }

            bytes = new byte[at.Length];
            _pack.Position = at.Offset;
            _pack.ReadExactly(bytes);
        }

        try
        {
            var signature = BlockSignature.ReadFrom(new MemoryStream(bytes, writable: false), baseLength);
            return !exact || signature.BaseLength == baseLength ? signature : null;
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    public void Save(Digest digest, BlockSignature signature)
    {
        var buffer = new MemoryStream();
        signature.WriteTo(buffer);
        lock (_gate)
        {
            if (_index.ContainsKey(digest))
            {
                return;
            }

            var offset = _pack.Seek(0, SeekOrigin.End);
            Span<byte> header = stackalloc byte[RecordHeader];
            digest.WriteTo(header);
            BinaryPrimitives.WriteInt32LittleEndian(header[Digest.Size..], (int)buffer.Length);
            _pack.Write(header);
            _pack.Write(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
            _pack.Flush();
            _index[digest] = (offset + RecordHeader, (int)buffer.Length);
            _liveBytes += RecordHeader + buffer.Length;
        }
    }

    /// <summary>Forgets signatures of contents no longer exported; rewrites the pack once it is mostly dead.</summary>
    public int Prune(IReadOnlySet<Digest> keep)
    {
        lock (_gate)
        {
            var dead = _index.Keys.Where(d => !keep.Contains(d)).ToList();
            foreach (var digest in dead)
            {
                _liveBytes -= RecordHeader + _index[digest].Length;
                _index.Remove(digest);
            }

            if (_pack.Length > 2 * _liveBytes + (1 << 20))
            {
                Compact();
            }

            return dead.Count;
        }
    }

    private void Compact()
    {
        var temp = _path + ".tmp";
        var moved = new Dictionary<Digest, (long, int)>();
        using (var output = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            Span<byte> header = stackalloc byte[RecordHeader];
            foreach (var (digest, at) in _index)
            {
                var bytes = new byte[at.Length];
                _pack.Position = at.Offset;
                _pack.ReadExactly(bytes);
                digest.WriteTo(header);
                BinaryPrimitives.WriteInt32LittleEndian(header[Digest.Size..], at.Length);
                output.Write(header);
                moved[digest] = (output.Position, at.Length);
                output.Write(bytes);
            }
        }

        _pack.Dispose();
        File.Move(temp, _path, overwrite: true);
        _pack = new FileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, 1 << 16);
        _index.Clear();
        foreach (var (digest, at) in moved)
        {
            _index[digest] = at;
        }
    }

    private void LoadIndex()
    {
        Span<byte> header = stackalloc byte[RecordHeader];
        long offset = 0;
        var length = _pack.Length;
        while (offset + RecordHeader <= length)
        {
            _pack.Position = offset;
            _pack.ReadExactly(header);
            var size = BinaryPrimitives.ReadInt32LittleEndian(header[Digest.Size..]);
            if (size <= 0 || offset + RecordHeader + size > length)
            {
                break; // a torn tail from a crash: cut it off below
            }

            var digest = Digest.FromBytes(header[..Digest.Size]);
            _index[digest] = (offset + RecordHeader, size);
            _liveBytes += RecordHeader + size;
            offset += RecordHeader + size;
        }

        if (offset != length)
        {
            _pack.SetLength(offset);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _pack.Dispose();
        }
    }
}
