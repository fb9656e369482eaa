using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// What is this? The receiver's decode loop: the single owner of all open sessions. It turns announces into
/// sessions (asking <see cref="UdpReceiveOptions.WantsSession"/> once), stores symbols, checkpoints on ticks and,
/// when an object is complete, hands it to a completion task that checks its SHA-256 and calls the handler, so a
/// slow handler never stalls the packets of other sessions. Finished, unwanted and in-hand-over sessions are
/// ignored. Nothing here aborts on loss or garbage; a bad object is discarded and collected again.
/// </summary>
internal sealed class ReceiveDecoder : IAsyncDisposable
{
    private const int MaxOpenSessions = 64;
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(30);

    private readonly UdpReceiveOptions _options;
    private readonly Func<ReceivedObject, CancellationToken, Task<ObjectDisposition>> _onComplete;
    private readonly FinishedSessions _finished;
    private readonly UdpReceiverStats _stats;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly BlockCodecFactory _codecs;
    private readonly Dictionary<ulong, ReceiveSession> _active = [];
    private readonly Dictionary<ulong, AnnounceAssembler> _assemblers = [];
    private readonly HashSet<ulong> _unwanted = [];
    private readonly ConcurrentDictionary<ulong, Task> _completing = new();
    private readonly ConcurrentDictionary<ulong, long> _retryAt = new();
    private readonly ConcurrentDictionary<ulong, AnnounceInfo> _accepted = new();
    private readonly EarlySymbolHold _early;
    private static readonly TimeSpan ExpiryCheckInterval = TimeSpan.FromHours(1);

    private long _lastTick;
    private long _lastExpiryCheck;
    private DecodeTally _tally;
    private (long Blocks, long Sum, long Min) _closedMargins = (0, 0, long.MaxValue);

    public ReceiveDecoder(UdpReceiveOptions options, Func<ReceivedObject, CancellationToken, Task<ObjectDisposition>> onComplete, FinishedSessions finished, UdpReceiverStats stats, ILogger logger, TimeProvider time, BlockCodecFactory codecs)
    {
        _options = options;
        _onComplete = onComplete;
        _finished = finished;
        _stats = stats;
        _logger = logger;
        _time = time;
        _codecs = codecs;
        _early = new EarlySymbolHold(options.EarlySymbolBytes, (long)(options.EarlySymbolWait.TotalSeconds * time.TimestampFrequency));
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
                        ReceiveSession? complete = Handle(batch[i]);
                        if (complete is not null)
                        {
                            _tally.FlushTo(_stats);
                            await BeginCompletionAsync(complete, cancellationToken).ConfigureAwait(true);
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
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                UdpLog.SessionOpenFailed(_logger, e, id);
            }
        }
    }

    /// <summary>Checkpoints and closes every open session, then waits for hand-overs in flight (they see the cancellation).</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (ReceiveSession session in _active.Values)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }

        _active.Clear();
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

        if (_finished.Contains(id) || _unwanted.Contains(id) || _completing.ContainsKey(id) ||
            (_retryAt.TryGetValue(id, out long retryAt) && _time.GetTimestamp() < retryAt))
        {
            _tally.Ignored++;
            return null;
        }

        if (packet.Header.Type != PacketType.Announce)
        {
            // A session accepted earlier in this run (discarded after a hash mismatch, say) reopens at once rather
            // than losing symbols until its next announce.
            if (_accepted.TryGetValue(id, out AnnounceInfo? known))
            {
                ReceiveSession? reopened = Open(known);
                return reopened is null || reopened.IsComplete ? reopened : Handle(packet);
            }

            // Held, not dropped: the announce may have been lost and the next one is due within the interval.
            _tally.Unannounced += _early.Hold(packet, _time.GetTimestamp());
            return null;
        }

        return OnAnnounce(packet);
    }

    private ReceiveSession? OnAnnounce(in ReceivedPacket packet)
    {
        ulong id = packet.Header.SessionId;
        if (!AnnounceCodec.TryParse(packet.Header, packet.Payload, out AnnounceFragment fragment))
        {
            UdpReceiverStats.Add(ref _stats._garbage);
            return null;
        }

        if (!_assemblers.TryGetValue(id, out AnnounceAssembler? assembler))
        {
            if (_assemblers.Count >= MaxOpenSessions)
            {
                _assemblers.Clear();
            }

            assembler = new AnnounceAssembler();
            _assemblers[id] = assembler;
        }

        AnnounceInfo? info = assembler.Add(fragment);
        if (info is null)
        {
            return null;
        }

        _assemblers.Remove(id);
        if (!Wanted(info) || _active.Count >= MaxOpenSessions)
        {
            _tally.Ignored += _early.Discard(id);
            _unwanted.Add(id);
            UdpLog.SessionUnwanted(_logger, id);
            return null;
        }

        if (_accepted.Count >= MaxOpenSessions)
        {
            _accepted.Clear();
        }

        _accepted[id] = info;
        ReceiveSession? session = Open(info);
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

    private ReceiveSession? Open(AnnounceInfo info)
    {
        ulong id = info.SessionId;
        string directory = Path.Combine(_options.SpoolDirectory, $"session-{id:x16}");
        bool existed = Directory.Exists(directory);
        ReceiveSession session;
        try
        {
            session = ReceiveSession.Open(info, directory, _logger, _stats, _codecs);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Most likely the spool is full or not writable; asking again at the next announce is the retry.
            UdpLog.SessionOpenFailed(_logger, e, id);
            _retryAt[id] = _time.GetTimestamp() + (long)(RetryAfterFailure.TotalSeconds * _time.TimestampFrequency);
            return null;
        }

        if (existed && !session.Resumed)
        {
            UdpLog.SpoolMismatch(_logger, id);
        }

        UdpLog.SessionOpened(_logger, id, info.ObjectLength, info.BlockCount, info.K, info.SymbolSize, session.BlocksDone);
        _active[id] = session;
        UpdateStats();
        return session;
    }

    private bool Wanted(AnnounceInfo info)
    {
        try
        {
            return _options.WantsSession?.Invoke(info.Descriptor) ?? true;
        }
        catch (Exception e)
        {
            UdpLog.CompletionFailed(_logger, e, info.SessionId);
            return false;
        }
    }

    private async Task BeginCompletionAsync(ReceiveSession session, CancellationToken cancellationToken)
    {
        AnnounceInfo info = session.Info;
        _active.Remove(info.SessionId);
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
        _lastTick = _time.GetTimestamp();
        _tally.Unannounced += _early.Expire(_lastTick);
        _tally.FlushTo(_stats);
        if (_time.GetElapsedTime(_lastExpiryCheck) >= ExpiryCheckInterval)
        {
            ExpireStaleSpools();
        }

        foreach (ReceiveSession session in _active.Values)
        {
            session.Checkpoint();
        }

        UpdateStats();
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
