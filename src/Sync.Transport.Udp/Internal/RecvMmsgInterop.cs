using System.Runtime.InteropServices;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// recvmmsg(2) and the structs it fills, laid out as glibc and musl define them on LP64 and ILP32 Linux (sequential
/// layout gives the same padding as C). Used only by <see cref="MmsgDatagramReader"/> on its receive thread.
/// </summary>
internal static unsafe partial class RecvMmsgInterop
{
    /// <summary>Block for the first datagram only, then take what is queued without waiting (Linux 2.6.34+).</summary>
    public const int MsgWaitForOne = 0x10000;

    /// <summary>Set in <see cref="MsgHdr.Flags"/> when the datagram was longer than its buffer.</summary>
    public const int MsgTrunc = 0x20;

    public const int EIntr = 4;
    public const int EAgain = 11;
    public const int ENoSys = 38;

    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    public static partial int RecvMmsg(SafeHandle socket, MMsgHdr* messages, uint count, int flags, void* timeout);

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }
}
