using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// What is this? The receiver's decode loop: the single owner of all open sessions. Announces carry a sealed session
/// ticket, which must pass the <see cref="TicketGate"/> (put together, bounds-checked, its seal verified by the
/// caller's <see cref="UdpReceiveOptions.Verifier"/>); the loop then asks <see cref="UdpReceiveOptions.WantsSession"/>
/// once, and only then admits the session (<see cref="SessionAdmission"/>: within the bounds of the
/// <see cref="OpenSessions"/> and the spool's budget, before reserving anything). It stores symbols, checkpoints on
/// ticks and, when an object is complete, hands it to <see cref="ObjectCompletion"/>, which checks its SHA-256 and
/// calls the handler on a task of its own, so a slow handler never stalls the packets of other sessions. Finished, unwanted and in-hand-over sessions are ignored.
/// Nothing here aborts on loss, garbage or forgery: whatever handling one datagram throws is contained and counted
/// (a session whose files fail is closed and tried again later), and warnings about what the network sends are
/// rate-limited (<see cref="LogLimiter"/>).
/// </summary>
internal sealed class ReceiveDecoder : IAsyncDisposable
{
    private const int RememberedSessions = 4096;
    private const int RememberedAnnounces = 64;

    private readonly UdpReceiveOptions _options;
    private readonly FinishedSessions _finished;
    private readonly UdpReceiverStats _stats;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly BlockCodecFactory _codecs;
    private readonly LogLimiter _limiter;
    private readonly OpenSessions _sessions;
    private readonly SpoolFolders _spool;
    private readonly RetrySchedule _retry;
    private readonly SessionAdmission _admission;
    private readonly ObjectCompletion _completion;
    private readonly TicketGate _gate;
    private readonly BoundedSet<ulong> _unwanted = new(RememberedSessions);
    private readonly ConcurrentDictionary<ulong, AnnounceInfo> _accepted = new();
    private readonly EarlySymbolHold _early;
    private readonly BlockBufferPool _buffers = new();

    private long _lastTick;
    private long _foreignSeen;
    private DecodeTally _tally;

    public ReceiveDecoder(
        UdpReceiveOptions options, Func<ReceivedObject, CancellationToken, Task<ObjectDisposition>> onComplete, FinishedSessions finished, SpoolBudget budget,
        UdpReceiverStats stats, ILogger logger, TimeProvider time, BlockCodecFactory codecs)
    {
        _options = options;
        _finished = finished;
        _stats = stats;
        _logger = logger;
        _time = time;
        _codecs = codecs;
        _limiter = new LogLimiter(time, options.WarningInterval);
        _sessions = new OpenSessions(new SessionTable(options.MaxOpenSessions, options.MaxSessionStateBytes), logger);
        _spool = new SpoolFolders(options.SpoolDirectory, options.SpoolMaxAge, time, logger);
        _retry = new RetrySchedule(time);
        _admission = new SessionAdmission(options, _sessions, _spool, budget, _retry, _limiter, stats, logger, time, codecs, _buffers);
        _completion = new ObjectCompletion(onComplete, finished, _retry, id => _accepted.TryRemove(id, out _), stats, logger, time);
        _early = new EarlySymbolHold(options.EarlySymbolBytes, RetrySchedule.Ticks(time, options.EarlySymbolWait));
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
        foreach ((string directory, ulong id) in _spool.Sessions())
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
                    var session = ReceiveSession.Open(info, directory, _logger, _stats, _codecs, _buffers);
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
        await _sessions.DisposeAsync().ConfigureAwait(false);
        await _completion.WhenAll().ConfigureAwait(false);
        _sessions.PublishTo(_stats);
    }

    private ReceiveSession? Handle(in ReceivedPacket packet)
    {
        ulong id = packet.Header.SessionId;
        if (_sessions.TryGet(id, out ReceiveSession session))
        {
            if (packet.Header.Type == PacketType.Announce)
            {
                return null;
            }

            return _tally.Count(session.Store(packet.Header, packet.Payload)) ? session : null;
        }

        if (_finished.Contains(id) || _unwanted.Contains(id) || _completion.Contains(id) || _sessions.IsClosing(id) || _retry.IsWaiting(id))
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
                ReceiveSession? reopened = _admission.Admit(known);
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
        ReceiveSession? session = _admission.Admit(info);
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

        if (_sessions.Close(sessionId))
        {
            _retry.Defer(sessionId);
            _sessions.PublishTo(_stats);
        }
    }

    /// <summary>Stores the symbols that came before the announce just heard, up to the one that completes the object.</summary>
    private void StoreEarlySymbols(ReceiveSession session)
    {
        long before = _tally.Stored;
        _early.Release(session.Info.SessionId, session, (target, packet) => !_tally.Count(target.Store(packet.Header, packet.Payload)));
        long stored = _tally.Stored - before;
        if (stored > 0)
        {
            UdpReceiverStats.Add(ref _stats._earlyStored, stored);
            UdpLog.EarlySymbolsStored(_logger, session.Info.SessionId, stored);
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
            _retry.Defer(info.SessionId);
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
        _sessions.Remove(session);
        ObjectHasher? hasher = session.DetachHasher();
        await session.DisposeAsync().ConfigureAwait(false);
        _sessions.PublishTo(_stats);
        _completion.Start(session.Info, session.Directory, session.ObjectPath, hasher, cancellationToken);
    }

    private void Tick()
    {
        long now = _time.GetTimestamp();
        _lastTick = now;
        _tally.Unannounced += _early.Expire(now);
        _tally.FlushTo(_stats);
        _gate.Expire(now);
        if (_spool.ExpiryDue)
        {
            ExpireStaleSpools();
        }

        foreach ((ulong id, ReceiveSession session) in _sessions.Snapshot())
        {
            try
            {
                session.Checkpoint();
                if (session.TakeActivity())
                {
                    _sessions.Table.Touch(id, now);
                }
            }
            catch (Exception e)
            {
                Fault(id, e);
            }
        }

        _retry.Expire(now);
        _sessions.PruneClosed();
        if (_sessions.Table.Count == 0)
        {
            _buffers.Clear();
        }

        WarnOfForeignVersion();
        _limiter.FlushSuppressed((kind, count) => UdpLog.Suppressed(_logger, count, kind.ToString(), _limiter.Interval.TotalSeconds));
        _sessions.PublishTo(_stats);
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
    /// <see cref="UdpReceiveOptions.SpoolMaxAge"/>; a session verified earlier is then forgotten too.
    /// </summary>
    private void ExpireStaleSpools()
    {
        foreach (ulong id in _spool.ExpireStale(id => _sessions.Contains(id) || _completion.Contains(id)))
        {
            _accepted.TryRemove(id, out _);
        }
    }
}
