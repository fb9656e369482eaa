namespace Sync.Transport.Udp;

/// <summary>
/// What the handler did with a received object. Either way the session is finished: its spool is deleted and its
/// packets are ignored from then on, across restarts too.
/// </summary>
public enum ObjectDisposition
{
    Applied,
    Rejected,
}
