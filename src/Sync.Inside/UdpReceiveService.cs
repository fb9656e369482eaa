using System.Globalization;
using Microsoft.Extensions.Logging;
using Sync.Core;
using Sync.Core.Apply;
using Sync.Core.Streams;
using Sync.Core.Trust;
using Sync.Protocol;
using Sync.Transport.Udp;

namespace Sync.Inside;

/// <summary>
/// What is this? The inside end of the diode: a <see cref="UdpReceiver"/> collects FEC-protected sessions into
/// its spool, and this class decides what to collect and applies what completes.
/// Threads: <see cref="WantsSession"/> and <see cref="OnCompleteAsync"/> run on the receiver's decode loop and stay
/// quick (a signature check; a rename into the <see cref="UdpInbox"/>), so no packet is missed while a generation
/// is applied. One apply loop (<see cref="ApplyLoopAsync"/>) takes inbox streams in generation order through
/// <see cref="StreamApplier"/>, which never exposes a partial or unverified generation. A report line goes to stdout
/// every report interval and at the end.
/// Trust is checked three times: the session ticket's seal before the receiver acts on any of it
/// (<see cref="VerifyTicket"/>), the descriptor's signed header before spooling (wrong key, replay, older generation:
/// ignored, logged once per stream), and the stream itself when applying (the same checks StreamApplier makes for
/// every carrier). A delta whose base is not published yet is collected and waits in the inbox. A session the
/// receiver cannot collect for lack of spool is listed as pending in the status until it is collected.
/// </summary>
internal sealed class UdpReceiveService
{
    private readonly IWireCodec _codec;
    private readonly TrustStore _gateTrust; // its own keys: it runs on the decode loop, beside applies
    private readonly GenerationReceiver _gate;
    private readonly StreamApplier _applier;
    private readonly InsideState _state;
    private readonly UdpInbox _inbox;
    private readonly string _target;
    private readonly PublishMode _mode;
    private readonly int _keep;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly TextWriter _output;
    // What was logged once: bounded, since only the ticket's signature stands between it and what a forger sends.
    private readonly HashSet<string> _told = new(StringComparer.Ordinal);
    private readonly List<string> _refused = [];
    private readonly Dictionary<string, (long Generation, string Line)> _notCollected = new(StringComparer.Ordinal);
    private List<string> _pending = [];
    private readonly SemaphoreSlim _wake = new(0);
    private readonly object _lock = new();
    private long _newestSeen;
    private int _published;

    public UdpReceiveService(
        IWireCodec codec, TrustStore gateTrust, TrustStore applyTrust, InsideState state, UdpInbox inbox, string target, PublishMode mode, int keep,
        ILogger logger, TimeProvider time, TextWriter output)
    {
        _codec = codec;
        _gateTrust = gateTrust;
        _gate = new GenerationReceiver(codec, gateTrust, logger);
        _applier = new StreamApplier(codec, applyTrust, logger, time);
        _state = state;
        _inbox = inbox;
        _target = target;
        _mode = mode;
        _keep = keep;
        _logger = logger;
        _time = time;
        _output = output;
    }

    /// <summary>Generations published by this run.</summary>
    public int PublishedCount => Volatile.Read(ref _published);

    /// <summary>Finishes an interrupted apply and checks the target; call once before receiving.</summary>
    public Task PrepareAsync(CancellationToken cancellationToken) => _applier.PrepareAsync(_state, _target, _mode, cancellationToken);

    /// <summary>
    /// The receiver's <see cref="UdpReceiveOptions.Verifier"/>: the session ticket must be signed by a trusted key.
    /// A refusal is listed under "refused" in the status (the same message once).
    /// </summary>
    public string? VerifyTicket(ReadOnlySpan<byte> ticket, ReadOnlySpan<byte> seal)
    {
        var refused = UdpDescriptor.VerifyTicket(_gateTrust, ticket, seal);
        if (refused is not null)
        {
            Refuse($"UDP session announce refused: {refused}");
        }

        return refused;
    }

    /// <summary>
    /// The receiver's <see cref="UdpReceiveOptions.SessionNotAdmitted"/>: a verified session it cannot collect for lack
    /// of spool waits, listed as pending, until it is collected or superseded.
    /// </summary>
    public void SessionNotAdmitted(ReadOnlyMemory<byte> descriptor, string reason)
    {
        DeltaHeader header;
        try
        {
            header = _codec.ParseHeader(UdpDescriptor.Decode(descriptor).Payload);
        }
        catch (SyncException)
        {
            return;
        }

        var what = header.BaseGeneration == 0 ? $"generation {header.TargetGeneration} (full)" : $"generation {header.TargetGeneration} (delta from {header.BaseGeneration})";
        lock (_lock)
        {
            if (_notCollected.Count >= UdpInbox.Capacity && !_notCollected.ContainsKey(header.StreamIdHex))
            {
                return;
            }

            _notCollected[header.StreamIdHex] = (header.TargetGeneration,
                $"{what} is announced but not collected: {reason}; it is tried again every 30 s (free space, or raise --spool-max-bytes)");
        }

        WriteStatus(null);
    }

    /// <summary>The receiver asks, from its decode loop, whether a newly announced session is worth spooling.</summary>
    public bool WantsSession(ReadOnlyMemory<byte> descriptor)
    {
        SignedPayload signed;
        DeltaHeader header;
        string what;
        try
        {
            signed = UdpDescriptor.Decode(descriptor);
            what = "UDP session";
            _gateTrust.Verify(signed, what);
            header = _codec.ParseHeader(signed.Payload);
        }
        catch (SyncException e)
        {
            // Untrusted, altered or foreign: worth a warning, once per descriptor.
            var key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(descriptor.Span));
            if (TellOnce(key, LogLevel.Warning, $"ignoring {e.Message}"))
            {
                Refuse(e.Message);
            }

            return false;
        }

        what = $"UDP session of generation {header.TargetGeneration}";
        NoteNewest(header.TargetGeneration);
        try
        {
            _gate.CheckHeader(signed, _state.Published, what);
            return !_inbox.Holds(header.StreamIdHex);
        }
        catch (SyncException e) when (e.Kind == SyncErrorKind.MissingBase)
        {
            if (_inbox.Holds(header.StreamIdHex))
            {
                return false;
            }

            TellOnce(header.StreamIdHex, LogLevel.Warning, $"{e.Message}; collecting it anyway: it waits until generation {header.BaseGeneration} is published");
            return true;
        }
        catch (SyncException e)
        {
            // A carousel repeating what is already published is normal (debug); anything else is worth a warning.
            var repeat = header.TargetGeneration <= _state.Published.Generation;
            if (TellOnce(header.StreamIdHex, repeat ? LogLevel.Debug : LogLevel.Warning, $"ignoring {e.Message}") && !repeat)
            {
                Refuse(e.Message);
            }

            return false;
        }
    }

    /// <summary>A session completed with a matching SHA-256: move it to the inbox (the receiver deletes its own file after this returns).</summary>
    public Task<ObjectDisposition> OnCompleteAsync(ReceivedObject received, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        DeltaHeader header;
        try
        {
            header = _codec.ParseHeader(UdpDescriptor.Decode(received.Descriptor).Payload);
        }
        catch (SyncException e)
        {
            Refuse(e.Message);
            return Task.FromResult(ObjectDisposition.Rejected);
        }

        var entry = _inbox.Add(header, received.Path, received.Descriptor);
        lock (_lock)
        {
            _notCollected.Remove(header.StreamIdHex);
        }

        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"received {entry.Describe}: {received.Length} bytes, checksummed"));
        _wake.Release();
        return Task.FromResult(ObjectDisposition.Applied);
    }

    /// <summary>
    /// Applies inbox streams in order whenever one arrives, until cancelled, or with <paramref name="untilPublished"/>
    /// until a round of applying published at least one new generation.
    /// </summary>
    public async Task ApplyLoopAsync(bool untilPublished, CancellationToken cancellationToken)
    {
        while (true)
        {
            await ApplyReadyAsync(cancellationToken).ConfigureAwait(false);
            if (untilPublished && PublishedCount > 0)
            {
                return;
            }

            await _wake.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Applies every inbox stream that fits on top of what is published, lowest generation first.</summary>
    public async Task ApplyReadyAsync(CancellationToken cancellationToken)
    {
        var pending = new List<string>();
        var progressed = true;
        while (progressed)
        {
            progressed = false;
            pending.Clear();
            foreach (var entry in _inbox.List())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var what = $"UDP {entry.Describe}";
                try
                {
                    var signed = UdpDescriptor.Decode(await File.ReadAllBytesAsync(entry.DescriptorPath, cancellationToken).ConfigureAwait(false));
                    var header = _applier.Receiver.CheckHeader(signed, _state.Published, what);
                    var before = _state.Published.Generation;
                    var started = _time.GetTimestamp();
                    ReceivedGeneration received;
                    await using (var file = new FileStream(entry.StreamPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan))
                    {
                        using var reader = new FrameReader(file, what);
                        received = await _applier.ApplyAsync(reader, _state, _target, _mode, _keep, new OperationProgress(), cancellationToken, header.StreamId)
                            .ConfigureAwait(false);
                    }

                    _inbox.Remove(entry);
                    RecordApplied(header.StreamIdHex);
                    Interlocked.Increment(ref _published);
                    _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"generation {header.TargetGeneration} published (was {before}): {received.ContentsReceived} contents, {received.BytesReceived} content bytes received, applied in {_time.GetElapsedTime(started).TotalSeconds:F2} s"));
                    progressed = true;
                    break; // list again: the next delta may now fit
                }
                catch (SyncException e) when (e.Kind == SyncErrorKind.MissingBase)
                {
                    pending.Add($"{entry.Describe} waits in the inbox for generation {entry.BaseGeneration} (published: {_state.Published.Generation})");
                }
                catch (SyncException e) when (e.Kind is SyncErrorKind.Refused or SyncErrorKind.Usage)
                {
                    // Replayed, superseded or damaged: it can never apply here. The published tree was not touched.
                    _inbox.Remove(entry);
                    if (entry.Generation > _state.Published.Generation)
                    {
                        Refuse(e.Message);
                        _logger.LogWarning("{Message}", e.Message);
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException || (e is SyncException s && s.Kind == SyncErrorKind.Storage))
                {
                    // Disk trouble: keep the stream and try again when the next one arrives; what is published is intact.
                    pending.Add($"{entry.Describe}: {e.Message}");
                    _logger.LogError("Could not apply {What}: {Reason}; it stays in the inbox and is tried again", what, e.Message);
                }
            }
        }

        _inbox.Trim();
        WriteStatus(pending);
    }

    /// <summary>One line: the receiver's counters, plus where the published tree stands.</summary>
    public string Report(UdpReceiver receiver)
    {
        var published = _state.Published.Generation;
        var newest = Math.Max(Interlocked.Read(ref _newestSeen), published);
        return string.Create(CultureInfo.InvariantCulture,
            $"report: {receiver.Describe()}; published generation {published}, newest announced {newest} (lag {newest - published}), inbox {_inbox.List().Count} waiting");
    }

    private void NoteNewest(long generation)
    {
        long seen;
        while (generation > (seen = Interlocked.Read(ref _newestSeen)) && Interlocked.CompareExchange(ref _newestSeen, generation, seen) != seen)
        {
        }
    }

    private bool TellOnce(string key, LogLevel level, string message)
    {
        lock (_lock)
        {
            if (_told.Count >= 1024)
            {
                _told.Clear(); // bounded: at worst a message is told once more
            }

            if (!_told.Add(key))
            {
                return false;
            }
        }

        _logger.Log(level, "{Message}", message);
        return true;
    }

    private void Refuse(string message)
    {
        lock (_lock)
        {
            if (_refused.Contains(message))
            {
                return;
            }

            _refused.Add(message);
            if (_refused.Count > 20)
            {
                _refused.RemoveAt(0);
            }
        }
    }

    private void RecordApplied(string streamIdHex)
    {
        lock (_lock)
        {
            _notCollected.Remove(streamIdHex);
            var applied = (_state.ReadStatus()?.Applied ?? []).Append(streamIdHex).TakeLast(100).ToList();
            _state.WriteStatus(new ImportStatus(_time.GetUtcNow(), applied, [], [.. _refused]));
        }
    }

    /// <summary>
    /// Writes the status: <paramref name="pending"/> (what the inbox waits for; null keeps the last list) plus the
    /// sessions not collected for lack of spool, and what was refused. The decode loop and the apply loop both write it.
    /// </summary>
    public void WriteStatus(List<string>? pending)
    {
        lock (_lock)
        {
            _pending = pending ?? _pending;
            var published = _state.Published.Generation;
            List<string> lines = [.. _pending, .. _notCollected.Values.Where(n => n.Generation > published).Select(n => n.Line)];
            _state.WriteStatus(new ImportStatus(_time.GetUtcNow(), _state.ReadStatus()?.Applied ?? [], lines, [.. _refused]));
        }
    }
}
