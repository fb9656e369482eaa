using Microsoft.Win32.SafeHandles;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// Fills a <see cref="SendWindow"/>: numbers the window's datagrams in send order, then block by block reads the
/// block's data symbols from the object file into one block buffer, copies those this pass sends into their datagrams
/// and encodes the repair symbols it sends straight into theirs; last, MACs and checksums. Runs on the sender's
/// producer thread, ahead of the pacer, so the send thread does nothing but pace and send. Its memory is one block of
/// data beside the windows (a GF(2^16) block is tens of MB, so the window does not keep a second copy of its data).
/// </summary>
internal sealed class WindowBuilder
{
    private readonly SafeFileHandle _file;
    private readonly long _objectOffset; // where the object starts in the file: a part of a spooled stream starts inside it
    private readonly SymbolSchedule _schedule;
    private readonly ObjectLayout _layout;
    private readonly ulong _sessionId;
    private readonly byte[]? _macKey;
    private readonly CodecCache _codecs;
    private readonly byte[] _block;
    private readonly ReadOnlyMemory<byte>[] _dataSymbols;
    private readonly int[] _repairIndices;
    private readonly Memory<byte>[] _repairOutputs;
    private readonly int[][] _slots;
    private readonly int[] _slotCounts;
    private ulong _sequence;

    public WindowBuilder(SafeFileHandle file, long objectOffset, SymbolSchedule schedule, ulong sessionId, byte[]? macKey, BlockCodecFactory codecs)
    {
        _file = file;
        _objectOffset = objectOffset;
        _schedule = schedule;
        _layout = schedule.Layout;
        _sessionId = sessionId;
        _macKey = macKey;
        _codecs = new CodecCache(codecs, _layout.Code, schedule.RepairPerPass);
        int blocks = schedule.MaxWindowBlocks;
        int slots = blocks == 0 ? 0 : schedule.MaxSlots; // a pass sends at most this many symbols of a block
        _block = blocks == 0 ? [] : GC.AllocateUninitializedArray<byte>(checked(_layout.K * _layout.SymbolSize));
        _dataSymbols = new ReadOnlyMemory<byte>[_layout.K];
        _repairIndices = new int[slots];
        _repairOutputs = new Memory<byte>[slots];
        _slots = new int[blocks][];
        _slotCounts = new int[blocks];
        for (int i = 0; i < blocks; i++)
        {
            _slots[i] = new int[slots];
        }
    }

    /// <summary>Symbol packets numbered so far; the next one gets this sequence number.</summary>
    public ulong NextSequence => _sequence;

    public void Build(SendWindow target, int pass, long window, CancellationToken cancellationToken)
    {
        (long first, int count) = _schedule.Window(window);
        int t = _layout.SymbolSize;
        target.Pass = pass;
        target.Order.Clear();
        _schedule.Fill(pass, window, target.Order);
        Array.Clear(_slotCounts);

        int size = target.DatagramSize;
        bool mac = _macKey is not null;
        for (int q = 0; q < target.Count; q++)
        {
            SymbolRef symbol = target.Order[q];
            int i = (int)(symbol.Block - first);
            PacketCodec.WriteHeader(target.Datagrams.AsSpan(q * size, size), new PacketHeader(PacketType.Symbol, (byte)pass, _sessionId, _sequence + (ulong)q, (uint)symbol.Block, (ushort)symbol.Symbol, (ushort)t), mac);
            _slots[i][_slotCounts[i]++] = q;
        }

        for (int i = 0; i < count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            FillBlock(target, first + i, _slots[i].AsSpan(0, _slotCounts[i]));
        }

        for (int q = 0; q < target.Count; q++)
        {
            PacketCodec.Seal(target.Datagrams.AsSpan(q * size, size), _macKey);
        }

        _sequence += (ulong)target.Count;
    }

    /// <summary>Reads <paramref name="block"/> and writes the payloads of its datagrams at <paramref name="slots"/>: data copied, repairs encoded.</summary>
    private void FillBlock(SendWindow target, long block, ReadOnlySpan<int> slots)
    {
        int t = _layout.SymbolSize;
        int k = _layout.DataSymbols(block);
        Span<byte> data = _block.AsSpan(0, k * t);
        int valid = _layout.BlockBytes(block);
        if (FileReads.ReadUntilFullOrEnd(_file, data[..valid], _objectOffset + _layout.Offset(block, 0)) < valid)
        {
            throw new IOException("the object file shrank while it was being sent");
        }

        data[valid..].Clear();

        int repairs = 0;
        foreach (int q in slots)
        {
            int id = target.Order[q].Symbol;
            Memory<byte> payload = target.Datagrams.AsMemory(q * target.DatagramSize + PacketCodec.HeaderSize, t);
            if (id < k)
            {
                data.Slice(id * t, t).CopyTo(payload.Span);
            }
            else
            {
                _repairIndices[repairs] = id - k;
                _repairOutputs[repairs++] = payload;
            }
        }

        if (repairs == 0)
        {
            return;
        }

        for (int j = 0; j < k; j++)
        {
            _dataSymbols[j] = _block.AsMemory(j * t, t);
        }

        _codecs.For(k).Encode(_dataSymbols.AsSpan(0, k), _repairIndices.AsSpan(0, repairs), _repairOutputs.AsSpan(0, repairs));
    }
}
