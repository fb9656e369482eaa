using System.Net.Sockets;
using System.Runtime.InteropServices;
using static Sync.Transport.Udp.Internal.RecvMmsgInterop;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// What is this? The Linux <see cref="DatagramReader"/>: one recvmmsg(2) fills up to <see cref="Capacity"/> slots,
/// waiting (MSG_WAITFORONE, bounded by SO_RCVTIMEO) only for the first. The slots, the iovecs and the message
/// headers live in one native block that never moves, so the kernel writes straight into it with no pinning per call.
/// If the kernel lacks recvmmsg (ENOSYS) it says so once and from then on reads one datagram per call through the
/// socket. Owned by the receive thread.
/// </summary>
internal sealed unsafe class MmsgDatagramReader : DatagramReader
{
    // Slots 64 KiB apart would all start in the same cache sets, so a burst the kernel just wrote would evict
    // itself before it is checked and copied; a skew of 25 cache lines per slot spreads the burst over the sets.
    private const int SlotStride = SlotBytes + (25 * 64);

    private readonly Socket _socket;
    private readonly SafeHandle _handle;
    private readonly int _capacity;
    private byte* _slots;
    private MMsgHdr* _messages;
    private SocketDatagramReader? _fallback;

    public MmsgDatagramReader(Socket socket, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _socket = socket;
        _handle = socket.SafeHandle;
        _capacity = capacity;
        _slots = (byte*)NativeMemory.Alloc((nuint)capacity, SlotStride);
        _messages = (MMsgHdr*)NativeMemory.AllocZeroed((nuint)capacity, (nuint)(sizeof(MMsgHdr) + sizeof(IoVec)));
        var iovecs = (IoVec*)(_messages + capacity);
        for (int i = 0; i < capacity; i++)
        {
            iovecs[i].Base = _slots + ((nint)i * SlotStride);
            iovecs[i].Length = SlotBytes;
            _messages[i].Header.Iov = iovecs + i;
            _messages[i].Header.IovLength = 1;
        }
    }

    ~MmsgDatagramReader() => Dispose(false);

    public override int Capacity => _fallback?.Capacity ?? _capacity;

    public override int Receive(out string? failure)
    {
        if (_fallback is not null)
        {
            return _fallback.Receive(out failure);
        }

        ObjectDisposedException.ThrowIf(_messages is null, this);
        // The kernel sets msg_len and msg_flags of each message it fills; nothing else changes between calls.
        int n = RecvMmsg(_handle, _messages, (uint)_capacity, MsgWaitForOne, null);
        failure = null;
        if (n >= 0)
        {
            return n;
        }

        int errno = Marshal.GetLastPInvokeError();
        if (errno == ENoSys)
        {
            _fallback = new SocketDatagramReader(_socket);
            failure = "recvmmsg is not available (ENOSYS); reading one datagram per call";
        }
        else if (errno is not (EAgain or EIntr))
        {
            // EAGAIN is the receive timeout (SO_RCVTIMEO) with nothing queued, EINTR a signal: neither is a failure.
            failure = "recvmmsg: " + Marshal.GetPInvokeErrorMessage(errno);
        }

        return 0;
    }

    public override ReadOnlySpan<byte> Datagram(int index)
    {
        if (_fallback is not null)
        {
            return _fallback.Datagram(index);
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_capacity);
        return new ReadOnlySpan<byte>(_slots + ((nint)index * SlotStride), (int)Math.Min(_messages[index].Length, SlotBytes));
    }

    public override bool Truncated(int index) =>
        _fallback is null && (_messages[index].Header.Flags & MsgTrunc) != 0;

    protected override void Dispose(bool disposing)
    {
        NativeMemory.Free(_slots);
        NativeMemory.Free(_messages);
        _slots = null;
        _messages = null;
        base.Dispose(disposing);
    }
}
