using System.Buffers;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// Rebuilds the lost data symbols of a block that holds k symbols, from the spool: its data symbols from the object
/// file, only as many repair symbols as are lost from the repair file, then the rebuilt symbols written to the object
/// and marked held. Owned by one <see cref="ReceiveSession"/> on the decode loop; its block buffer goes back to the
/// receiver's pool when disposed.
/// </summary>
internal sealed class BlockRebuilder(
    AnnounceInfo info, ObjectLayout layout, SafeFileHandle objectFile, SafeFileHandle repairFile, SymbolBitmaps bitmaps,
    ILogger logger, UdpReceiverStats stats, BlockCodecFactory codecs, BlockBufferPool buffers) : IDisposable
{
    private readonly CodecCache _codecs = new(codecs, info.Code, info.RepairPerPass);
    private byte[]? _decodeBuffer;
    private bool _failureLogged;

    /// <summary>False when the code could not rebuild the block (counted, and logged once per session).</summary>
    public bool Rebuild(long block, int k)
    {
        int t = layout.SymbolSize;
        int missing = 0;
        for (int j = 0; j < k; j++)
        {
            missing += bitmaps.Has(block, j) ? 0 : 1;
        }

        // The block's data in a buffer of its exact size, kept for the session (a GF(2^16) block is tens of MB, and
        // the shared pool would round it up to the next power of two); repairs only as many as are lost.
        _decodeBuffer ??= buffers.Rent(checked(layout.K * t));
        byte[] data = _decodeBuffer;
        bool[] present = ArrayPool<bool>.Shared.Rent(k);
        int[] indices = ArrayPool<int>.Shared.Rent(Math.Max(1, missing));
        byte[] repairs = ArrayPool<byte>.Shared.Rent(Math.Max(1, missing) * t);
        Memory<byte>[] dataSymbols = ArrayPool<Memory<byte>>.Shared.Rent(k);
        ReadOnlyMemory<byte>[] repairSymbols = ArrayPool<ReadOnlyMemory<byte>>.Shared.Rent(Math.Max(1, missing));
        try
        {
            Span<byte> blockData = data.AsSpan(0, k * t);
            blockData.Clear();
            // Short reads past the end leave zeros: the object may already be trimmed to its length.
            FileReads.ReadUntilFullOrEnd(objectFile, blockData, layout.Offset(block, 0));
            for (int j = 0; j < k; j++)
            {
                present[j] = bitmaps.Has(block, j);
                dataSymbols[j] = data.AsMemory(j * t, t);
            }

            int found = 0;
            for (int symbol = k; symbol < layout.SymbolSpace && found < missing; symbol++)
            {
                if (bitmaps.Has(block, symbol))
                {
                    Memory<byte> into = repairs.AsMemory(found * t, t);
                    into.Span.Clear();
                    FileReads.ReadUntilFullOrEnd(repairFile, into.Span, layout.RepairOffset(block, symbol));
                    indices[found] = symbol - k;
                    repairSymbols[found] = into;
                    found++;
                }
            }

            _codecs.For(k).Decode(dataSymbols.AsSpan(0, k), present.AsSpan(0, k), indices.AsSpan(0, found), repairSymbols.AsSpan(0, found));
            for (int j = 0; j < k; j++)
            {
                if (!present[j])
                {
                    RandomAccess.Write(objectFile, data.AsSpan(j * t, t), layout.Offset(block, j));
                    bitmaps.Mark(block, j);
                }
            }

            UdpReceiverStats.Add(ref stats._blocksDecoded);
            return true;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            UdpReceiverStats.Add(ref stats._decodeFailures);
            if (!_failureLogged)
            {
                _failureLogged = true;
                UdpLog.DecodeFailed(logger, info.SessionId, block, e.Message);
            }

            return false;
        }
        finally
        {
            ArrayPool<bool>.Shared.Return(present);
            ArrayPool<int>.Shared.Return(indices);
            ArrayPool<byte>.Shared.Return(repairs);
            ArrayPool<Memory<byte>>.Shared.Return(dataSymbols, clearArray: true);
            ArrayPool<ReadOnlyMemory<byte>>.Shared.Return(repairSymbols, clearArray: true);
        }
    }

    public void Dispose()
    {
        if (_decodeBuffer is { } buffer)
        {
            _decodeBuffer = null;
            buffers.Return(buffer);
        }
    }
}
