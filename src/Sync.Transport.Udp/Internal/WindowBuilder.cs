using Microsoft.Win32.SafeHandles;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// Fills a <see cref="SendWindow"/>: reads the window's blocks from the object file, encodes the repair symbols
/// this pass needs straight into their datagrams, then writes headers, MACs and checksums. Runs on the sender's
/// producer thread, ahead of the pacer, so the send thread does nothing but pace and send.
/// </summary>
internal sealed class WindowBuilder
{
    private readonly SafeFileHandle _file;
    private readonly SymbolSchedule _schedule;
    private readonly ObjectLayout _layout;
    private readonly ulong _sessionId;
    private readonly byte[]? _macKey;
    private readonly CodecCache _codecs;
    private readonly ReadOnlyMemory<byte>[] _dataSymbols;
    private readonly int[][] _repairIndices;
    private readonly Memory<byte>[][] _repairOutputs;
    private readonly int[] _repairCounts;
    private ulong _sequence;

    public WindowBuilder(SafeFileHandle file, SymbolSchedule schedule, ulong sessionId, byte[]? macKey, BlockCodecFactory codecs)
    {
        _file = file;
        _schedule = schedule;
        _layout = schedule.Layout;
        _sessionId = sessionId;
        _macKey = macKey;
        _codecs = new CodecCache(codecs);
        int blocks = schedule.MaxWindowBlocks;
        _dataSymbols = new ReadOnlyMemory<byte>[_layout.K];
        _repairIndices = new int[blocks][];
        _repairOutputs = new Memory<byte>[blocks][];
        _repairCounts = new int[blocks];
        for (int i = 0; i < blocks; i++)
        {
            _repairIndices[i] = new int[ObjectLayout.SymbolSpace];
            _repairOutputs[i] = new Memory<byte>[ObjectLayout.SymbolSpace];
        }
    }

    /// <summary>Symbol packets numbered so far; the next one gets this sequence number.</summary>
    public ulong NextSequence => _sequence;

    public void Build(SendWindow target, int pass, long window, CancellationToken cancellationToken)
    {
        (long first, int count) = _schedule.Window(window);
        int t = _layout.SymbolSize;
        int blockBytes = _layout.K * t;
        for (int i = 0; i < count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long block = first + i;
            Span<byte> data = target.Data.AsSpan(i * blockBytes, _layout.DataSymbols(block) * t);
            int valid = _layout.BlockBytes(block);
            ReadExactly(data[..valid], _layout.Offset(block, 0));
            data[valid..].Clear();
        }

        target.Pass = pass;
        target.Order.Clear();
        _schedule.Fill(pass, window, target.Order);
        Array.Clear(_repairCounts);

        int size = target.DatagramSize;
        bool mac = _macKey is not null;
        for (int q = 0; q < target.Count; q++)
        {
            SymbolRef symbol = target.Order[q];
            int i = (int)(symbol.Block - first);
            int k = _layout.DataSymbols(symbol.Block);
            Span<byte> datagram = target.Datagrams.AsSpan(q * size, size);
            PacketCodec.WriteHeader(datagram, new PacketHeader(PacketType.Symbol, (byte)pass, _sessionId, _sequence + (ulong)q, (uint)symbol.Block, (ushort)symbol.Symbol, (ushort)t), mac);
            if (symbol.Symbol < k)
            {
                target.Data.AsSpan(i * blockBytes + symbol.Symbol * t, t).CopyTo(datagram.Slice(PacketCodec.HeaderSize, t));
            }
            else
            {
                int n = _repairCounts[i]++;
                _repairIndices[i][n] = symbol.Symbol - k;
                _repairOutputs[i][n] = target.Datagrams.AsMemory(q * size + PacketCodec.HeaderSize, t);
            }
        }

        for (int i = 0; i < count; i++)
        {
            if (_repairCounts[i] == 0)
            {
                continue;
            }

            cancellationToken.ThrowIfCancellationRequested();
            int k = _layout.DataSymbols(first + i);
            for (int j = 0; j < k; j++)
            {
                _dataSymbols[j] = target.Data.AsMemory(i * blockBytes + j * t, t);
            }

            _codecs.For(k).Encode(_dataSymbols.AsSpan(0, k), _repairIndices[i].AsSpan(0, _repairCounts[i]), _repairOutputs[i].AsSpan(0, _repairCounts[i]));
        }

        for (int q = 0; q < target.Count; q++)
        {
            PacketCodec.Seal(target.Datagrams.AsSpan(q * size, size), _macKey);
        }

        _sequence += (ulong)target.Count;
    }

    private void ReadExactly(Span<byte> destination, long offset)
    {
        while (!destination.IsEmpty)
        {
            int n = RandomAccess.Read(_file, destination, offset);
            if (n <= 0)
            {
                throw new IOException("the object file shrank while it was being sent");
            }

            destination = destination[n..];
            offset += n;
        }
    }
}
