using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// What is this? One object being received, spooled in its own folder: <c>object</c> (sparse, data symbols at their
/// final offsets, so nothing is copied at the end), <c>repair</c> (sparse, a row of one slot per symbol id per block,
/// for repair symbols of unfinished blocks) and <c>state</c> (<see cref="SessionStateFile"/>, the blocks'
/// <see cref="SymbolBitmaps"/>). A block is rebuilt the moment it holds k symbols (<see cref="BlockRebuilder"/>).
/// <see cref="Checkpoint"/> fsyncs the data files and then writes the changed bitmap pages on a background task, so a
/// restart resumes where the last checkpoint left off.
/// Owned by the receiver's decode loop; only the checkpoint task runs beside it, on snapshots.
/// </summary>
internal sealed class ReceiveSession : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly SymbolSchedule _schedule;
    private readonly SafeFileHandle _object;
    private readonly SafeFileHandle _repair;
    private readonly SessionStateFile _state;
    private readonly DataWriteBehind _pending;
    private readonly SymbolBitmaps _bitmaps;
    private readonly BlockRebuilder _rebuilder;
    private readonly bool[] _completedHere;
    private readonly short[] _margin;
    private Task _checkpoint = Task.CompletedTask;
    private ObjectHasher? _hasher;
    private long _blocksDone;
    private long _prefixDone;
    private long _stores;
    private long _storesSampled;

    private ReceiveSession(AnnounceInfo info, string directory, ILogger logger, UdpReceiverStats stats, BlockCodecFactory codecs, BlockBufferPool buffers)
    {
        Info = info;
        Layout = info.Layout();
        Directory = directory;
        _logger = logger;
        _schedule = info.Schedule();
        _bitmaps = new SymbolBitmaps(Layout);
        _completedHere = new bool[Layout.BlockCount];
        _margin = new short[Layout.BlockCount];
        System.IO.Directory.CreateDirectory(directory);
        SessionStateFile? state = null;
        SafeFileHandle? objectFile = null;
        SafeFileHandle? repair = null;
        try
        {
            state = SessionStateFile.Open(Path.Combine(directory, "state"), info, _bitmaps.Bytes, out bool resumed);
            var mode = resumed ? FileMode.OpenOrCreate : FileMode.Create;
            objectFile = File.OpenHandle(ObjectPath, mode, FileAccess.ReadWrite, FileShare.Read);
            repair = File.OpenHandle(Path.Combine(directory, "repair"), mode, FileAccess.ReadWrite, FileShare.None);

            // The object's blocks are taken now, all of them (holes of a resumed spool too), so a full disk shows up
            // here, before any symbol, and never as a failed write halfway through.
            SpoolSpace.Reserve(objectFile, info.SpoolObjectBytes);
            if (!resumed)
            {
                File.WriteAllBytes(Path.Combine(directory, "descriptor"), info.Descriptor);
            }

            Resumed = resumed;
        }
        catch
        {
            repair?.Dispose();
            objectFile?.Dispose();
            state?.Dispose();
            throw;
        }

        _state = state;
        _object = objectFile;
        _repair = repair;
        _pending = new DataWriteBehind(_object, Layout, buffers);
        _hasher = new ObjectHasher(ObjectPath, Layout);
        _rebuilder = new BlockRebuilder(info, Layout, _object, _repair, _bitmaps, logger, stats, codecs, buffers);
    }

    public AnnounceInfo Info { get; }

    public ObjectLayout Layout { get; }

    public string Directory { get; }

    public string ObjectPath => Path.Combine(Directory, "object");

    public bool Resumed { get; }

    public long BlocksDone => _blocksDone;

    public bool IsComplete => _blocksDone == Layout.BlockCount;

    /// <summary>
    /// Memory a session of <paramref name="info"/> may hold while open: per block its bitmap (32 bytes for GF(2^8),
    /// 8 KiB for GF(2^16)) and 5 bytes (completion flag, margin, count held); the write-behind buffers; and one
    /// decode (the block's data and repairs, and the code's scratch).
    /// </summary>
    public static long StateBytes(AnnounceInfo info)
    {
        ObjectLayout layout = info.Layout();
        long blockBytes = (long)info.K * info.SymbolSize;
        return info.BlockCount * (layout.BitmapBytes + 5) + DataWriteBehind.MaxBufferedBytes(layout) + 2 * blockBytes +
            FecCodes.DecodeScratchBytes(info.Code, info.K, info.RepairPerPass, info.SymbolSize) + (64 << 10);
    }

    /// <summary>Whether anything was stored since the last call: sampled once a second to find the least recently active session.</summary>
    public bool TakeActivity()
    {
        bool active = _stores != _storesSampled;
        _storesSampled = _stores;
        return active;
    }

    /// <summary>Opens (or resumes) the spool of <paramref name="info"/> under <paramref name="directory"/>; blocks that were complete or decodable on disk count as done.</summary>
    public static ReceiveSession Open(AnnounceInfo info, string directory, ILogger logger, UdpReceiverStats stats, BlockCodecFactory codecs, BlockBufferPool buffers)
    {
        var session = new ReceiveSession(info, directory, logger, stats, codecs, buffers);
        if (session.Resumed)
        {
            long symbols = 0;
            for (long b = 0; b < session.Layout.BlockCount; b++)
            {
                int held = session._bitmaps.Recount(b);
                symbols += held;
                if (session._bitmaps.DataComplete(b))
                {
                    session._blocksDone++;
                }
                else if (held >= session.Layout.DataSymbols(b))
                {
                    session.CompleteBlock(b, 0, 0);
                }
            }

            session.AdvancePrefix();
            UdpReceiverStats.Add(ref stats._blocksResumed, session._blocksDone);
            UdpReceiverStats.Add(ref stats._symbolsResumed, symbols);
        }

        return session;
    }

    /// <summary>
    /// Whether the spool left in <paramref name="directory"/> by an earlier run holds a complete object; its announce
    /// (descriptor included) when so. Lets a restarted receiver hand over such an object without waiting for the
    /// session to be announced again.
    /// </summary>
    public static AnnounceInfo? CompleteSpool(string directory)
    {
        AnnounceInfo? info = SessionStateFile.ReadInfo(Path.Combine(directory, "state"));
        string descriptorPath = Path.Combine(directory, "descriptor");
        if (info is null || !File.Exists(descriptorPath))
        {
            return null;
        }

        info = info with { Descriptor = File.ReadAllBytes(descriptorPath) };
        ObjectLayout layout = info.Layout();
        var bitmaps = new byte[checked(layout.BlockCount * layout.BitmapBytes)];
        using (SessionStateFile.Open(Path.Combine(directory, "state"), info, bitmaps, out bool resumed))
        {
            if (!resumed)
            {
                return null;
            }
        }

        for (long b = 0; b < layout.BlockCount; b++)
        {
            if (!SymbolBitmaps.DataComplete(bitmaps, layout.BitmapBytes, b, layout.DataSymbols(b)))
            {
                return null;
            }
        }

        return info;
    }

    public StoreResult Store(in PacketHeader header, ReadOnlySpan<byte> payload)
    {
        long block = header.Block;
        if (block >= Layout.BlockCount || payload.Length != Layout.SymbolSize)
        {
            return StoreResult.Invalid;
        }

        int symbol = header.Symbol;
        if (symbol >= _schedule.IdSpace(block))
        {
            // No sender makes this id; its bit would sit in another block's bitmap, or past the last one.
            return StoreResult.Invalid;
        }

        int k = Layout.DataSymbols(block);
        if (_completedHere[block] || _bitmaps.DataComplete(block))
        {
            return StoreResult.Surplus;
        }

        if (_bitmaps.Has(block, symbol))
        {
            return StoreResult.Duplicate;
        }

        _stores++;
        if (symbol < k)
        {
            _pending.Add(block, symbol, payload);
        }
        else
        {
            RandomAccess.Write(_repair, payload, Layout.RepairOffset(block, symbol));
        }

        _bitmaps.Mark(block, symbol);
        if (_bitmaps.Held(block) >= k)
        {
            CompleteBlock(block, header.Pass, symbol);
        }

        return IsComplete ? StoreResult.ObjectComplete : StoreResult.Stored;
    }

    /// <summary>
    /// Makes what is stored so far durable: fsync the data files, then write the bitmap pages changed since the last
    /// checkpoint, on a background task. Skipped while the previous checkpoint is still running.
    /// </summary>
    public void Checkpoint()
    {
        // Buffered data goes to the file first (also while a checkpoint runs, which bounds the buffers): a bitmap
        // snapshot taken below must not claim a symbol that is only in memory.
        _pending.FlushAll();
        if (!_checkpoint.IsCompleted)
        {
            return;
        }

        if (_checkpoint.IsFaulted)
        {
            // Which pages made it is unknown: rewrite them all next time.
            UdpLog.CheckpointFailed(_logger, _checkpoint.Exception!.InnerException!, Info.SessionId);
            _checkpoint = Task.CompletedTask;
            _bitmaps.MarkAllDirty();
        }

        if (!_bitmaps.TakeDirty(out int[] pages, out byte[] snapshot))
        {
            return;
        }

        long bitmapLength = _bitmaps.Bytes.Length;
        _checkpoint = Task.Run(() =>
        {
            RandomAccess.FlushToDisk(_object);
            RandomAccess.FlushToDisk(_repair);
            _state.WritePages(pages, snapshot, bitmapLength);
            _state.Flush();
        });
    }

    /// <summary>
    /// FEC margin of the blocks completed by this run from live packets: (blocks, sum of margins, smallest margin).
    /// A block's margin is the number of its slots in the pass still to come when it completed, i.e. how many more
    /// of its symbols could have been lost: r with no loss, 0 when the last symbol of its pass was the one needed.
    /// </summary>
    public (long Blocks, long Sum, long Min) Margins()
    {
        long blocks = 0, sum = 0, min = long.MaxValue;
        for (long b = 0; b < Layout.BlockCount; b++)
        {
            if (_completedHere[b])
            {
                long margin = _margin[b];
                blocks++;
                sum += margin;
                min = Math.Min(min, margin);
            }
        }

        return (blocks, sum, blocks == 0 ? -1 : min);
    }

    /// <summary>
    /// The hasher that has been reading the object as its leading blocks completed, for the caller to take the digest
    /// from once the object is complete; the session no longer disposes it.
    /// </summary>
    public ObjectHasher? DetachHasher()
    {
        if (_prefixDone < Layout.BlockCount)
        {
            return null; // not complete: the hasher could never finish, so it is disposed with the session
        }

        ObjectHasher? hasher = _hasher;
        _hasher = null;
        return hasher;
    }

    /// <summary>Final checkpoint, then closes the files. The spool stays for the caller to verify, hand over or resume.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _checkpoint.ConfigureAwait(false);
            Checkpoint();
            await _checkpoint.ConfigureAwait(false);
        }
        finally
        {
            if (_hasher is not null)
            {
                await _hasher.DisposeAsync().ConfigureAwait(false);
            }

            _pending.Dispose();
            _rebuilder.Dispose();
            _object.Dispose();
            _repair.Dispose();
            _state.Dispose();
        }
    }

    private void CompleteBlock(long block, int pass, int symbol)
    {
        int k = Layout.DataSymbols(block);
        _pending.Flush(block);
        if (!_bitmaps.DataComplete(block) && !_rebuilder.Rebuild(block, k))
        {
            return;
        }

        _blocksDone++;
        if (block == _prefixDone)
        {
            AdvancePrefix();
        }

        if (pass > 0)
        {
            // Slot s of pass p carries id ((p - 1) * slots + s) mod ids (see SymbolSchedule).
            int slots = _schedule.Slots(block);
            int slot = _schedule.SlotOf(block, pass, symbol);
            _completedHere[block] = true;
            _margin[block] = (short)Math.Clamp(slots - 1 - slot, 0, short.MaxValue);
        }
    }

    /// <summary>Moves the complete leading run of blocks forward and lets the hasher read it.</summary>
    private void AdvancePrefix()
    {
        while (_prefixDone < Layout.BlockCount && _bitmaps.DataComplete(_prefixDone))
        {
            _prefixDone++;
        }

        _hasher?.Advance(_prefixDone);
    }
}
