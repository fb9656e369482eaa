using Microsoft.Extensions.Logging;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// Opens a verified, wanted session if it fits: its memory within the table's bound (closing the least recently active
/// sessions to make room), its spool within the budget and the free space. Nothing is reserved before all of that
/// holds, and a failed reservation is released at once. A session not admitted is tried again later. Used by the
/// decode loop.
/// </summary>
internal sealed class SessionAdmission(
    UdpReceiveOptions options, OpenSessions sessions, SpoolFolders spool, SpoolBudget budget, RetrySchedule retry, LogLimiter limiter,
    UdpReceiverStats stats, ILogger logger, TimeProvider time, BlockCodecFactory codecs, BlockBufferPool buffers)
{
    /// <summary>The open session, or null when it was not admitted.</summary>
    public ReceiveSession? Admit(AnnounceInfo info)
    {
        ulong id = info.SessionId;
        long stateBytes = ReceiveSession.StateBytes(info);
        if (!sessions.Table.Fits(stateBytes))
        {
            return NotAdmitted(info, $"its block state needs {SpoolBudget.Mib(stateBytes)} of memory, more than the receiver's bound of {SpoolBudget.Mib(sessions.Table.MaxStateBytes)}");
        }

        string directory = spool.DirectoryOf(id);
        long need = info.SpoolObjectBytes - SpoolSpace.AllocatedBytes(Path.Combine(directory, "object")) + RepairHeadroom(info);
        if (budget.Check(Math.Max(0, need)) is { } noRoom)
        {
            return NotAdmitted(info, noRoom);
        }

        foreach (ulong victim in sessions.MakeRoom(stateBytes))
        {
            UdpReceiverStats.Add(ref stats._evicted);
            if (limiter.Allow(LogKind.SessionEvicted, out long suppressed))
            {
                UdpLog.SessionEvicted(logger, victim, id, suppressed);
            }
        }

        return Open(info, directory, stateBytes);
    }

    /// <summary>
    /// Spool a session may need for repair symbols beyond its object: one pass's worth (about what a block stores
    /// when the loss stays within the FEC overhead). The repair file is sparse, so this is checked, not reserved.
    /// </summary>
    private static long RepairHeadroom(AnnounceInfo info) => info.SpoolObjectBytes / info.K * info.RepairPerPass;

    private ReceiveSession? NotAdmitted(AnnounceInfo info, string reason)
    {
        UdpReceiverStats.Add(ref stats._notAdmitted);
        retry.Defer(info.SessionId);
        if (limiter.Allow(LogKind.SessionNotAdmitted, out long suppressed))
        {
            UdpLog.SessionNotAdmitted(logger, info.SessionId, info.ObjectLength, reason, RetrySchedule.After.TotalSeconds, suppressed);
        }

        options.SessionNotAdmitted?.Invoke(info.Descriptor, reason);
        return null;
    }

    private ReceiveSession? Open(AnnounceInfo info, string directory, long stateBytes)
    {
        ulong id = info.SessionId;
        bool existed = Directory.Exists(directory);
        ReceiveSession session;
        try
        {
            session = ReceiveSession.Open(info, directory, logger, stats, codecs, buffers);
        }
        catch (IOException e) when (SpoolSpace.IsDiskFull(e))
        {
            // Someone else took the space between the check and the reservation. What fallocate took before it
            // failed is given back now, with the whole spool of the session: nothing of it is worth a full disk.
            SpoolFolders.DeleteQuietly(directory);
            return NotAdmitted(info, $"the file system could not reserve its spool ({e.Message})");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The spool is not writable, or damaged; asking again later is the retry.
            if (!existed)
            {
                SpoolFolders.DeleteQuietly(directory);
            }

            UdpLog.SessionOpenFailed(logger, e, id);
            retry.Defer(id);
            return null;
        }

        if (existed && !session.Resumed)
        {
            UdpLog.SpoolMismatch(logger, id);
        }

        UdpLog.SessionOpened(logger, id, info.ObjectLength, info.BlockCount, info.K, FecCodes.Name(info.Code), info.SymbolSize, session.BlocksDone);
        sessions.Add(session, stateBytes, time.GetTimestamp());
        sessions.PublishTo(stats);
        return session;
    }
}
