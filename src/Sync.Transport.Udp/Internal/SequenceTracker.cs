namespace Sync.Transport.Udp.Internal;

/// <summary>
/// Turns one session's symbol sequence numbers into loss and burst counts: a jump forward of g is a burst of g lost
/// packets; a number from the past is a late (reordered) packet that was counted lost. Owned by the receive thread.
/// </summary>
internal sealed class SequenceTracker
{
    // A jump back this far is a sender that restarted its numbering, not reordering.
    private const ulong RestartDistance = 1 << 20;

    private ulong _last;
    private bool _started;

    public void Observe(ulong sequence, UdpReceiverStats stats)
    {
        UdpReceiverStats.Add(ref stats._symbolPackets);
        if (!_started || sequence == _last + 1)
        {
            _started = true;
            _last = sequence;
            return;
        }

        if (sequence > _last)
        {
            stats.OnGap((long)(sequence - _last - 1));
            _last = sequence;
        }
        else if (_last - sequence > RestartDistance)
        {
            _last = sequence;
        }
        else
        {
            UdpReceiverStats.Add(ref stats._late);
        }
    }
}
