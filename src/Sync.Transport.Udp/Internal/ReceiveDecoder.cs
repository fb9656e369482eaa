using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// What is this? The receiver's decode loop: the single owner of all open sessions. Announces carry a sealed session
/// ticket, which must pass the <see cref="TicketGate"/> (put together, bounds-checked, its seal verified by the
/// caller's <see cref="UdpReceiveOptions.Verifier"/>); the loop then asks <see cref="UdpReceiveOptions.WantsSession"/>
/// once, and only then admits the session: within the session table's bounds (<see cref="SessionTable"/>) and the
/// spool's budget (<see cref="SpoolBudget"/>), before reserving anything. It stores symbols, checkpoints on ticks and,
/// when an object is complete, hands it to a completion task that checks its SHA-256 and calls the handler, so a slow
/// handler never stalls the packets of other sessions. Finished, unwanted and in-hand-over sessions are ignored.
/// Nothing here aborts on loss, garbage or forgery: whatever handling one datagram throws is contained and counted
/// (a session whose files fail is closed and tried again later), and warnings about what the network sends are
/// rate-limited (<see cref="LogLimiter"/>).
/// </summary>
internal sealed class ReceiveDecoder : IAsyncDisposable
{
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ExpiryCheckInterval = TimeSpan.FromHours(1);

    private const int RememberedSessions = 4096;
    private const int RememberedAnnounces = 64;

    private readonly UdpReceiveOptions _options;
    private readonly Func<ReceivedObject, CancellationToken, Task<ObjectDisposition>> _onComplete;
    private readonly FinishedSessions _finished;
    private readonly UdpReceiverStats _stats;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly BlockCodecFactory _codecs;
    private readonly SpoolBudget _budget;
    private readonly LogLimiter _limiter;
    private readonly SessionTable _table;
    private readonly Dictionary<ulong, ReceiveSession> _active = [];
    private readonly Dictionary<ulong, Task> _closing = [];
    private readonly TicketGate _gate;
    private readonly BoundedSet<ulong> _unwanted = new(RememberedSessions);
    private readonly ConcurrentDictionary<ulong, Task> _completing = new();
    private readonly ConcurrentDictionary<ulong, long> _retryAt = new();
    private readonly ConcurrentDictionary<ulong, AnnounceInfo> _accepted = new();
    private readonly EarlySymbolHold _early;

    private long _lastTick;
    private long _lastExpiryCheck;
    private long _foreignSeen;
    private DecodeTally _tally;
    private (long Blocks, long Sum, long Min) _closedMargins = (0, 0, long.MaxValue);

    public ReceiveDecoder(
        UdpReceiveOptions options, Func<ReceivedObject, CancellationToken, Task<ObjectDisposition>> onComplete, FinishedSessions finished, SpoolBudget budget,
        UdpReceiverStats stats, ILogger logger, TimeProvider time, BlockCodecFactory codecs)
    {
        _options = options;
        _onComplete = onComplete;
        _finished = finished;
        _budget = budget;
        _stats = stats;
        _logger = logger;
        _time = time;
        _codecs = codecs;
        _limiter = new LogLimiter(time, options.WarningInterval);
        _table = new SessionTable(options.MaxOpenSessions, options.MaxSessionStateBytes);
        _early = new EarlySymbolHold(options.EarlySymbolBytes, Ticks(options.EarlySymbolWait));
        _gate = new TicketGate(options.Verifier, time);
    }

    /// <summary>
    /// The loop. Its awaits resume on the caller's context on purpose: <see cref="UdpReceiver"/> runs it on a dedicated
    /// thread (<see cref="DedicatedThreadContext"/>), which a batch wakes without involving the thread pool.
    /// </summary>
    public async Task RunAsync(ChannelReader<ReceivedBatch> queue, CancellationToken cancellationToken)
    {
        await OfferSpooledAsync(cancellationToken).ConfigureAwait(true);
        while (await queue.WaitToReadAsync(cancellationToken).ConfigureAwait(true))
        {
            while (queue.TryRead(out ReceivedBatch? batch))
            {
                if (batch == ReceivedBatch.Tick)
                {
                    Tick();
                    continue;
                }

                try
                {
                    for (int i = 0; i < batch.Count; i++)
                    {
                        ReceivedPacket packet = batch[i];
                        ReceiveSession? complete;
                        try
                        {
                            complete = Handle(packet);
                        }
                        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                        {
                            Fault(packet.Header.SessionId, e);
                            continue;
                        }

                        if (complete is not null)
                        {
                            _tally.FlushTo(_stats);
                            try
                            {
                                await BeginCompletionAsync(complete, cancellationToken).ConfigureAwait(true);
                            }
                            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                            {
                                Fault(complete.Info.SessionId, e);
                            }
                        }
                    }
                }
                finally
                {
                    batch.Release();
                    _tally.FlushTo(_stats);
                }

                // Ticks queue behind packets; under a flood check the clock ourselves.
                if (_time.GetElapsedTime(_lastTick) > TimeSpan.FromSeconds(1))
                {
                    Tick();
                }
            }
        }
    }

    /// <summary>
    /// Start-up housekeeping of the spool: folders of sessions already finished (a crash between recording and
    /// deleting) are deleted, and objects that were complete but not handed over are handed over now.
    /// Incomplete spools wait for their session's next announce.
    /// </summary>
    private async Task OfferSpooledAsync(CancellationToken cancellationToken)
    {
        ExpireStaleSpools();
        foreach ((string directory, ulong id) in SpooledSessions())
        {
            try
            {
                if (_finished.Contains(id))
                {
                    Directory.Delete(directory, recursive: true);
                    continue;
                }

                AnnounceInfo? info = ReceiveSession.CompleteSpool(directory);
                if (info is not null && info.SessionId == id)
                {
                    var session = ReceiveSession.Open(info, directory, _logger, _stats, _codecs);
                    _active[id] = session;
                    await BeginCompletionAsync(session, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                UdpLog.SessionOpenFailed(_logger, e, id);
            }
        }
    }

    /// <summary>Checkpoints and closes every open session, then waits for closes and hand-overs in flight (they see the cancellation).</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (ReceiveSession session in _active.Values)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }

        _active.Clear();
        await Task.WhenAll(_closing.Values).ConfigureAwait(false);
        await Task.WhenAll(_completing.Values).ConfigureAwait(false);
        UpdateStats();
    }

    private ReceiveSession? Handle(in ReceivedPacket packet)
    {
        ulong id = packet.Header.SessionId;
        if (_active.TryGetValue(id, out ReceiveSession? session))
        {
            if (packet.Header.Type == PacketType.Announce)
            {
                return null;
            }

            return Count(session.Store(packet.Header, packet.Payload)) ? session : null;
        }

        if (_finished.Contains(id) || _unwanted.Contains(id) || _completing.ContainsKey(id) || Closing(id) ||
            (_retryAt.TryGetValue(id, out long retryAt) && _time.GetTimestamp() < retryAt))
        {
            _tally.Ignored++;
            return null;
        }

        if (packet.Header.Type != PacketType.Announce)
        {
            // A session verified earlier in this run (closed to make room, or discarded after a hash mismatch)
            // reopens at once rather than losing symbols until its next announce.
            if (_accepted.TryGetValue(id, out AnnounceInfo? known))
            {
                ReceiveSession? reopened = Admit(known);
                return reopened is null || reopened.IsComplete ? reopened : Handle(packet);
            }

            // Held, not dropped: the announce may have been lost and the next one is due within the interval.
            _tally.Unannounced += _early.Hold(packet, _time.GetTimestamp());
            return null;
        }

        return OnAnnounce(packet);
    }

    /// <summary>An announce of a session that is not open: only a verified ticket gets past the gate.</summary>
    private ReceiveSession? OnAnnounce(in ReceivedPacket packet)
    {
        AnnounceInfo? info = _gate.Pass(packet.Header, packet.Payload, out string? refused);
        if (refused is not null)
        {
            Reject(packet.Header.SessionId, refused);
        }

        return info is null ? null : OnVerified(info);
    }

    /// <summary>A session whose ticket a trusted key signed: ask the caller once, then admit it.</summary>
    private ReceiveSession? OnVerified(AnnounceInfo info)
    {
        ulong id = info.SessionId;
        if (!Wanted(info))
        {
            _tally.Ignored += _early.Discard(id);
            return null;
        }

        if (_accepted.Count >= RememberedAnnounces)
        {
            _accepted.Clear();
        }

        _accepted[id] = info;
        ReceiveSession? session = Admit(info);
        if (session is null)
        {
            _tally.Unannounced += _early.Discard(id);
            return null;
        }

        if (session.IsComplete)
        {
            _tally.Ignored += _early.Discard(id);
            return session;
        }

        StoreEarlySymbols(session);
        return session.IsComplete ? session : null;
    }

    /// <summary>
    /// Opens a verified session if it fits: its memory within the table's bound (closing the least recently active
    /// sessions to make room), its spool within the budget and the free space. Nothing is reserved before all of that
    /// holds, and a failed reservation is released at once. Null when it was not admitted (it is tried again later).
    /// </summary>
    private ReceiveSession? Admit(AnnounceInfo info)
    {
        ulong id = info.SessionId;
        long stateBytes = ReceiveSession.StateBytes(info);
        if (!_table.Fits(stateBytes))
        {
            return NotAdmitted(info, $"its block state needs {SpoolBudget.Mib(stateBytes)} of memory, more than the receiver's bound of {SpoolBudget.Mib(_table.MaxStateBytes)}");
        }

        string directory = SessionDirectory(id);
        long need = info.SpoolObjectBytes - SpoolSpace.AllocatedBytes(Path.Combine(directory, "object")) + RepairHeadroom(info);
        if (_budget.Check(Math.Max(0, need)) is { } noRoom)
        {
            return NotAdmitted(info, noRoom);
        }

        foreach (ulong victim in _table.MakeRoom(stateBytes))
        {
            if (_active.Remove(victim, out ReceiveSession? closed))
            {
                _closing[victim] = CloseAsync(closed);
                UdpReceiverStats.Add(ref _stats._evicted);
                if (_limiter.Allow(LogKind.SessionEvicted, out long suppressed))
                {
                    UdpLog.SessionEvicted(_logger, victim, id, suppressed);
                }
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
        UdpReceiverStats.Add(ref _stats._notAdmitted);
        _retryAt[info.SessionId] = _time.GetTimestamp() + Ticks(RetryAfterFailure);
        if (_limiter.Allow(LogKind.SessionNotAdmitted, out long suppressed))
        {
            UdpLog.SessionNotAdmitted(_logger, info.SessionId, info.ObjectLength, reason, RetryAfterFailure.TotalSeconds, suppressed);
        }

        _options.SessionNotAdmitted?.Invoke(info.Descriptor, reason);
        return null;
    }

    /// <summary>An announce refused at the gate: counted, and logged at most once per interval.</summary>
    private void Reject(ulong sessionId, string reason)
    {
        UdpReceiverStats.Add(ref _stats._rejected);
        if (_limiter.Allow(LogKind.AnnounceRejected, out long suppressed))
        {
            UdpLog.AnnounceRejected(_logger, sessionId, reason, suppressed);
        }
    }

    /// <summary>
    /// Whatever handling one datagram threw: counted and logged (rate-limited), never the end of the receiver. A session
    /// whose files failed is closed (its spool stays) and tried again after a while, rather than failing on every packet.
    /// </summary>
    private void Fault(ulong sessionId, Exception e)
    {
        UdpReceiverStats.Add(ref _stats._faults);
        if (_limiter.Allow(LogKind.Fault, out long suppressed))
        {
            UdpLog.Fault(_logger, sessionId, $"{e.GetType().Name}: {e.Message}", suppressed);
            UdpLog.FaultDetail(_logger, e, sessionId);
        }

        if (_active.Remove(sessionId, out ReceiveSession? session))
        {
            _table.Remove(sessionId);
            _closing[sessionId] = CloseAsync(session);
            _retryAt[sessionId] = _time.GetTimestamp() + Ticks(RetryAfterFailure);
            UpdateStats();
        }
    }

    /// <summary>Closes a session taken out of the table; its spool stays for a later reopen.</summary>
    private async Task CloseAsync(ReceiveSession session)
    {
        try
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            UdpLog.CheckpointFailed(_logger, e, session.Info.SessionId);
        }
    }

    /// <summary>Whether the session is still being closed (its files are not free for a reopen yet).</summary>
    private bool Closing(ulong sessionId)
    {
        if (!_closing.TryGetValue(sessionId, out Task? closing))
        {
            return false;
        }

        if (!closing.IsCompleted)
        {
            return true;
        }

        _closing.Remove(sessionId);
        return false;
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    private string SessionDirectory(ulong id) => Path.Combine(_options.SpoolDirectory, $"session-{id:x16}");

    /// <summary>Stores the symbols that came before the announce just heard, up to the one that completes the object.</summary>
    private void StoreEarlySymbols(ReceiveSession session)
    {
        long before = _tally.Stored;
        _early.Release(session.Info.SessionId, session, (target, packet) => !Count(target.Store(packet.Header, packet.Payload)));
        long stored = _tally.Stored - before;
        if (stored > 0)
        {
            UdpReceiverStats.Add(ref _stats._earlyStored, stored);
            UdpLog.EarlySymbolsStored(_logger, session.Info.SessionId, stored);
        }
    }

    /// <summary>Tallies what storing one symbol did; true when it completed the object.</summary>
    private bool Count(StoreResult result)
    {
        switch (result)
        {
            case StoreResult.Stored:
                _tally.Stored++;
                return false;
            case StoreResult.ObjectComplete:
                _tally.Stored++;
                return true;
            case StoreResult.Invalid:
                _tally.Garbage++;
                return false;
            case StoreResult.Duplicate:
                _tally.Duplicates++;
                return false;
            default:
                return false;
        }
    }

    private ReceiveSession? Open(AnnounceInfo info, string directory, long stateBytes)
    {
        ulong id = info.SessionId;
        bool existed = Directory.Exists(directory);
        ReceiveSession session;
        try
        {
            session = ReceiveSession.Open(info, directory, _logger, _stats, _codecs);
        }
        catch (IOException e) when (SpoolSpace.IsDiskFull(e))
        {
            // Someone else took the space between the check and the reservation. What fallocate took before it
            // failed is given back now, with the whole spool of the session: nothing of it is worth a full disk.
            DeleteQuietly(directory);
            return NotAdmitted(info, $"the file system could not reserve its spool ({e.Message})");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The spool is not writable, or damaged; asking again later is the retry.
            if (!existed)
            {
                DeleteQuietly(directory);
            }

            UdpLog.SessionOpenFailed(_logger, e, id);
            _retryAt[id] = _time.GetTimestamp() + Ticks(RetryAfterFailure);
            return null;
        }

        if (existed && !session.Resumed)
        {
            UdpLog.SpoolMismatch(_logger, id);
        }

        UdpLog.SessionOpened(_logger, id, info.ObjectLength, info.BlockCount, info.K, FecCodes.Name(info.Code), info.SymbolSize, session.BlocksDone);
        _active[id] = session;
        _table.Add(id, stateBytes, _time.GetTimestamp());
        UpdateStats();
        return session;
    }

    private static void DeleteQuietly(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private bool Wanted(AnnounceInfo info)
    {
        bool wanted;
        try
        {
            wanted = _options.WantsSession?.Invoke(info.Descriptor) ?? true;
        }
        catch (Exception e)
        {
            // A failing callback is not the session's fault: ask again at a later announce.
            Fault(info.SessionId, e);
            _retryAt[info.SessionId] = _time.GetTimestamp() + Ticks(RetryAfterFailure);
            return false;
        }

        if (!wanted)
        {
            _unwanted.Add(info.SessionId);
            UdpLog.SessionUnwanted(_logger, info.SessionId);
        }

        return wanted;
    }

    private async Task BeginCompletionAsync(ReceiveSession session, CancellationToken cancellationToken)
    {
        AnnounceInfo info = session.Info;
        _active.Remove(info.SessionId);
        _table.Remove(info.SessionId);
        (long blocks, long sum, long min) = session.Margins();
        if (blocks > 0)
        {
            _closedMargins = (_closedMargins.Blocks + blocks, _closedMargins.Sum + sum, Math.Min(_closedMargins.Min, min));
        }

        ObjectHasher? hasher = session.DetachHasher();
        await session.DisposeAsync().ConfigureAwait(false);
        UpdateStats();

        // The gate keeps the task from finishing (and removing its entry) before the entry exists.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _completing[info.SessionId] = CompleteAsync(info, session.Directory, session.ObjectPath, hasher, gate.Task, cancellationToken);
        gate.SetResult();
    }

    private async Task CompleteAsync(AnnounceInfo info, string directory, string path, ObjectHasher? hasher, Task gate, CancellationToken cancellationToken)
    {
        try
        {
            await gate.ConfigureAwait(false);
            if (!await VerifyAsync(path, info, hasher, cancellationToken).ConfigureAwait(false))
            {
                UdpLog.HashMismatch(_logger, info.SessionId);
                UdpReceiverStats.Add(ref _stats._hashMismatches);
                Directory.Delete(directory, recursive: true);
                return;
            }

            UdpLog.SessionComplete(_logger, info.SessionId, info.ObjectLength, path);
            ObjectDisposition disposition = await _onComplete(new ReceivedObject(info.SessionId, path, info.Descriptor, info.ObjectLength), cancellationToken).ConfigureAwait(false);
            _finished.Add(info.SessionId, disposition, _time.GetUtcNow());
            _accepted.TryRemove(info.SessionId, out _);
            UdpReceiverStats.Add(ref _stats._sessionsCompleted);
            UdpLog.SessionFinished(_logger, info.SessionId, disposition.ToString());
            Directory.Delete(directory, recursive: true);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The spool stays complete; the next run offers it again when the session is announced.
        }
        catch (Exception e)
        {
            UdpLog.CompletionFailed(_logger, e, info.SessionId);
            _retryAt[info.SessionId] = _time.GetTimestamp() + (long)(RetryAfterFailure.TotalSeconds * _time.TimestampFrequency);
        }
        finally
        {
            if (hasher is not null)
            {
                await hasher.DisposeAsync().ConfigureAwait(false);
            }

            _completing.TryRemove(info.SessionId, out _);
        }
    }

    /// <summary>
    /// Trims the object to its length and checks its SHA-256: the digest the hasher computed while the object arrived
    /// when it has one, else by reading the file again.
    /// </summary>
    private static async Task<bool> VerifyAsync(string path, AnnounceInfo info, ObjectHasher? hasher, CancellationToken cancellationToken)
    {
        using SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        RandomAccess.SetLength(file, info.ObjectLength);
        byte[]? digest = hasher is null ? null : await hasher.DigestAsync(cancellationToken).ConfigureAwait(false);
        if (digest is not null)
        {
            return CryptographicOperations.FixedTimeEquals(digest, info.Sha256);
        }

        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            long offset = 0;
            while (offset < info.ObjectLength)
            {
                int n = await RandomAccess.ReadAsync(file, buffer.AsMemory(0, (int)Math.Min(buffer.Length, info.ObjectLength - offset)), offset, cancellationToken).ConfigureAwait(false);
                if (n <= 0)
                {
                    return false;
                }

                sha.AppendData(buffer, 0, n);
                offset += n;
            }

            return CryptographicOperations.FixedTimeEquals(sha.GetHashAndReset(), info.Sha256);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Tick()
    {
        long now = _time.GetTimestamp();
        _lastTick = now;
        _tally.Unannounced += _early.Expire(now);
        _tally.FlushTo(_stats);
        _gate.Expire(now);
        if (_time.GetElapsedTime(_lastExpiryCheck) >= ExpiryCheckInterval)
        {
            ExpireStaleSpools();
        }

        foreach ((ulong id, ReceiveSession session) in _active.ToArray())
        {
            try
            {
                session.Checkpoint();
                if (session.TakeActivity())
                {
                    _table.Touch(id, now);
                }
            }
            catch (Exception e)
            {
                Fault(id, e);
            }
        }

        foreach ((ulong id, long retryAt) in _retryAt)
        {
            if (retryAt <= now)
            {
                _retryAt.TryRemove(id, out _);
            }
        }

        foreach (ulong id in _closing.Where(c => c.Value.IsCompleted).Select(c => c.Key).ToArray())
        {
            _closing.Remove(id);
        }

        WarnOfForeignVersion();
        _limiter.FlushSuppressed((kind, count) => UdpLog.Suppressed(_logger, count, kind.ToString(), _limiter.Interval.TotalSeconds));
        UpdateStats();
    }

    /// <summary>Packets of another wire version mean the two agents' versions differ: say so, and which side is older.</summary>
    private void WarnOfForeignVersion()
    {
        long foreign = Volatile.Read(ref _stats._foreign);
        if (foreign == _foreignSeen)
        {
            return;
        }

        _foreignSeen = foreign;
        if (_limiter.Allow(LogKind.ForeignVersion, out _))
        {
            int version = (int)Volatile.Read(ref _stats._lastForeignVersion);
            UdpLog.ForeignVersion(_logger, version, PacketCodec.Version,
                version < PacketCodec.Version ? "the sender is older than this receiver: upgrade sync-outside" : "the sender is newer than this receiver: upgrade sync-inside",
                foreign);
        }
    }

    /// <summary>
    /// Deletes the spools of sessions that are neither open nor being handed over and have received nothing for
    /// <see cref="UdpReceiveOptions.SpoolMaxAge"/> (the newest write to any of their files). A complete spool is
    /// never expired: it is handed over at start instead.
    /// </summary>
    private void ExpireStaleSpools()
    {
        _lastExpiryCheck = _time.GetTimestamp();
        DateTime now = _time.GetUtcNow().UtcDateTime;
        foreach ((string directory, ulong id) in SpooledSessions())
        {
            if (_active.ContainsKey(id) || _completing.ContainsKey(id))
            {
                continue;
            }

            try
            {
                var files = new DirectoryInfo(directory).GetFiles();
                DateTime lastWrite = files.Length == 0 ? Directory.GetLastWriteTimeUtc(directory) : files.Max(f => f.LastWriteTimeUtc);
                TimeSpan idle = now - lastWrite;
                if (idle < _options.SpoolMaxAge || ReceiveSession.CompleteSpool(directory) is not null)
                {
                    continue;
                }

                Directory.Delete(directory, recursive: true);
                _accepted.TryRemove(id, out _);
                UdpLog.SpoolExpired(_logger, id, idle.TotalDays);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                UdpLog.SessionOpenFailed(_logger, e, id);
            }
        }
    }

    /// <summary>The spool's session folders (<c>session-&lt;id in hex&gt;</c>) with their ids; other names are left alone.</summary>
    private IEnumerable<(string Directory, ulong Id)> SpooledSessions()
    {
        foreach (string directory in Directory.EnumerateDirectories(_options.SpoolDirectory, "session-*"))
        {
            if (ulong.TryParse(Path.GetFileName(directory).AsSpan("session-".Length), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out ulong id))
            {
                yield return (directory, id);
            }
        }
    }

    private void UpdateStats()
    {
        long done = 0, pending = 0;
        (long marginBlocks, long marginSum, long marginMin) = _closedMargins;
        foreach (ReceiveSession session in _active.Values)
        {
            done += session.BlocksDone;
            pending += session.Layout.BlockCount - session.BlocksDone;
            (long blocks, long sum, long min) = session.Margins();
            if (blocks > 0)
            {
                marginBlocks += blocks;
                marginSum += sum;
                marginMin = Math.Min(marginMin, min);
            }
        }

        Volatile.Write(ref _stats._blocksComplete, done);
        Volatile.Write(ref _stats._blocksPending, pending);
        Volatile.Write(ref _stats._sessionsActive, _active.Count);
        if (marginBlocks > 0)
        {
            Volatile.Write(ref _stats._marginMin, marginMin);
            Volatile.Write(ref _stats._marginSumMilli, marginSum * 1000 / marginBlocks);
        }
    }
}
