using System.Net.Sockets;

namespace Sync.Transport.Udp.Internal;

/// <summary>The portable <see cref="DatagramReader"/>: one blocking <see cref="Socket.Receive(Span{byte}, SocketFlags, out SocketError)"/> per datagram.</summary>
internal sealed class SocketDatagramReader(Socket socket) : DatagramReader
{
    private readonly byte[] _slot = GC.AllocateUninitializedArray<byte>(SlotBytes);
    private int _length;

    public override int Capacity => 1;

    public override int Receive(out string? failure)
    {
        _length = socket.Receive(_slot, SocketFlags.None, out SocketError error);
        failure = error is SocketError.Success or SocketError.TimedOut or SocketError.WouldBlock or SocketError.Interrupted ? null : error.ToString();
        return error == SocketError.Success ? 1 : 0;
    }

    public override ReadOnlySpan<byte> Datagram(int index) => _slot.AsSpan(0, _length);

    public override bool Truncated(int index) => false;
}
