using System.Globalization;
using Microsoft.Extensions.Logging;
using Sync.Core;
using Sync.Core.Apply;
using Sync.Core.Streams;
using Sync.Core.Trust;
using Sync.Engine.Inside;
using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp;

/// <summary>
/// What is this? The inside end of the diode: a <see cref="UdpReceiver"/> collects FEC-protected sessions into
/// its spool, and this class decides what to collect and hands what completes to the engine's
/// <see cref="GenerationIntake"/>.
/// Threads: <see cref="WantsSession"/> and <see cref="OnCompleteAsync"/> run on the receiver's decode loop and stay
/// quick (a signature check; a rename into the <see cref="UdpInbox"/>), so no packet is missed while a generation
/// is applied. One apply loop (<see cref="ApplyLoopAsync"/>) hands the inbox's streams to the intake, which applies
/// them in generation order and never exposes a partial or unverified generation. A report line goes to stdout
/// every report interval and at the end.
/// Trust is checked three times: the session ticket's seal before the receiver acts on any of it
/// (<see cref="VerifyTicket"/>), the descriptor's signed header before spooling (the engine's
/// <see cref="HeaderAdmission"/>: wrong key, replay, older generation are ignored, logged once per stream), and the
/// stream itself when applying (the same checks for every carrier). A delta whose base is not published yet is
/// collected and waits in the inbox. A session the receiver cannot collect for lack of spool is listed as pending in
/// the status until it is collected.
/// A stream the outside sends in parts (see <see cref="StreamPart"/>) is collected part by part, in any order, and
/// applied from the moment part 0 is in: a <see cref="PartsCandidate"/> reads the parts in order and waits (up to
/// <see cref="PartWait"/> for each) for those still on their way, so the decode loop never waits for the apply nor
/// the apply for the last datagram longer than it must.
/// </summary>
public sealed class UdpReceiveService
{
    private readonly IWireCodec _codec;
    private readonly TrustStore _gateTrust; // its own keys: it runs on the decode loop, beside applies
    private readonly HeaderAdmission _gate;
    private readonly GenerationIntake _intake;
    private readonly InsideState _state;
    private readonly UdpInbox _inbox;
    private readonly ILogger _logger;
    private readonly TextWriter _output;
    private readonly TimeProvider _time;
    // What was logged once: bounded, since only the ticket's signature stands between it and what a forger sends.
    private readonly HashSet<string> _told = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _stalls = new(StringComparer.Ordinal); // the apply loop's own
    private readonly object _lock = new();
    private long _newestSeen;
    private int _published;

    public UdpReceiveService(
        IWireCodec codec, TrustStore gateTrust, TrustStore applyTrust, InsideState state, UdpInbox inbox, IntakeTarget target, ILogger logger,
        TimeProvider time, TextWriter output)
    {
        _codec = codec;
        _gateTrust = gateTrust;
        _gate = new HeaderAdmission(codec, gateTrust);
        _intake = new GenerationIntake(codec, applyTrust, state, target, logger, time);
        _state = state;
        _inbox = inbox;
        _logger = logger;
        _output = output;
        _time = time;
    }

    /// <summary>How long the apply of a stream sent in parts waits for its next part by default.</summary>
    public static readonly TimeSpan DefaultPartWait = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long the apply of a stream sent in parts waits for its next part before it gives up (nothing is published;
    /// the stream waits in the inbox and is applied again once the part is here).
    /// </summary>
    public TimeSpan PartWait
    {
        get;
        init => field = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "the part wait must be positive");
    } = DefaultPartWait;

    /// <summary>
    /// A count that grows while datagrams arrive (the receiver's <see cref="UdpReceiverStats.PacketsReceived"/>): a
    /// part wait that runs out while it grew waits again, so a slow link is not taken for a lost part.
    /// </summary>
    public Func<long>? LinkActivity { get; init; }

    /// <summary>Generations published by this run.</summary>
    public int PublishedCount => Volatile.Read(ref _published);

    /// <summary>Finishes an interrupted apply and checks the target; call once before receiving.</summary>
    public Task PrepareAsync(CancellationToken cancellationToken) => _intake.PrepareAsync(cancellationToken);

    /// <summary>
    /// The receiver's <see cref="UdpReceiveOptions.Verifier"/>: the session ticket must be signed by a trusted key.
    /// A refusal is listed under "refused" in the status (the same message once).
    /// </summary>
    public string? VerifyTicket(ReadOnlySpan<byte> ticket, ReadOnlySpan<byte> seal)
    {
        var refused = UdpDescriptor.VerifyTicket(_gateTrust, ticket, seal);
        if (refused is not null)
        {
            _intake.Status.Refuse($"UDP session announce refused: {refused}");
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
        StreamPart? part;
        try
        {
            header = _codec.ParseHeader(UdpDescriptor.Read(descriptor, out part).Payload);
        }
        catch (SyncException)
        {
            return;
        }

        var what = Description(header, part);
        if (_intake.Status.NotHeld(
            header.StreamIdHex,
            header.TargetGeneration,
            $"{what} is announced but not collected: {reason}; it is tried again every 30 s (free space, or raise --spool-max-bytes)"))
        {
            _intake.Status.Write();
        }
    }

    /// <summary>The receiver asks, from its decode loop, whether a newly announced session is worth spooling.</summary>
    public bool WantsSession(ReadOnlyMemory<byte> descriptor)
    {
        SignedPayload signed;
        DeltaHeader header;
        StreamPart? part;
        try
        {
            signed = UdpDescriptor.Read(descriptor, out part);
            if (part is { Index: > UdpPartFile.MaxIndex })
            {
                throw SyncException.Refused($"UDP session descriptor names part {part.Value.Index} of a stream (at most {UdpPartFile.MaxIndex} are kept)");
            }

            _gateTrust.Verify(signed, "UDP session");
            header = _codec.ParseHeader(signed.Payload);
        }
        catch (SyncException e)
        {
            // Untrusted, altered or foreign: worth a warning, once per descriptor.
            var key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(descriptor.Span));
            if (TellOnce(key, LogLevel.Warning, $"ignoring {e.Message}"))
            {
                _intake.Status.Refuse(e.Message, e.Refusal);
                InsideMetrics.Refused(InsideMetrics.ReasonLabel(e), _time.GetUtcNow());
            }

            return false;
        }

        NoteNewest(header.TargetGeneration);
        var admission = _gate.Admit(signed, _state.Published, $"UDP session of generation {header.TargetGeneration}");
        switch (admission.Verdict)
        {
            case AdmissionVerdict.Accept:
                return !Held(header, part);
            case AdmissionVerdict.WaitForBase:
                if (Held(header, part))
                {
                    return false;
                }

                TellOnce(header.StreamIdHex, LogLevel.Warning, $"{admission.Reason}; collecting it anyway: it waits until generation {admission.WaitsFor} is published");
                return true;
            default:
                // A carousel repeating what is already published is normal (debug); anything else is worth a warning.
                var repeat = header.TargetGeneration <= _state.Published.Generation;
                if (TellOnce(header.StreamIdHex, repeat ? LogLevel.Debug : LogLevel.Warning, $"ignoring {admission.Reason}") && !repeat)
                {
                    _intake.Status.Refuse(StatusNote.Refused(admission.Refusal, admission.Reason!, header.TargetGeneration, header.BaseGeneration));
                    InsideMetrics.Refused(InsideMetrics.ReasonLabel(admission.Refusal), _time.GetUtcNow());
                }

                return false;
        }
    }

    /// <summary>A session completed with a matching SHA-256: move it to the inbox (the receiver deletes its own file after this returns).</summary>
    public Task<ObjectDisposition> OnCompleteAsync(ReceivedObject received, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        DeltaHeader header;
        StreamPart? part;
        try
        {
            header = _codec.ParseHeader(UdpDescriptor.Read(received.Descriptor, out part).Payload);
        }
        catch (SyncException e)
        {
            _intake.Status.Refuse(e.Message, e.Refusal);
            return Task.FromResult(ObjectDisposition.Rejected);
        }

        // Adding wakes the apply loop (and a parts stream waiting for this part) through the inbox's signal.
        var what = part is { } place
            ? _inbox.AddPart(header, place, received.Path, received.Descriptor).Describe
            : _inbox.Add(header, received.Path, received.Descriptor).Describe;
        _intake.Status.Held(header.StreamIdHex);
        _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"received {what}: {received.Length} bytes, checksummed"));
        return Task.FromResult(ObjectDisposition.Applied);
    }

    /// <summary>
    /// Applies inbox streams in order whenever a stream or a part arrives, until cancelled, or with
    /// <paramref name="untilPublished"/> until a round of applying published at least one new generation.
    /// </summary>
    public async Task ApplyLoopAsync(bool untilPublished, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Taken before the round: what arrives during it starts the next one (all of it, once).
            var changed = _inbox.WhenChanged;
            await ApplyReadyAsync(cancellationToken).ConfigureAwait(false);
            if (untilPublished && PublishedCount > 0)
            {
                return;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Applies every inbox stream that fits on top of what is published, lowest generation first: whole streams, and
    /// streams whose part 0 is in (their apply waits for the later parts as they arrive).
    /// </summary>
    public async Task ApplyReadyAsync(CancellationToken cancellationToken)
    {
        Action published = () => Interlocked.Increment(ref _published);
        var partial = _inbox.PartialStreams();
        foreach (var gone in _stalls.Keys.Except(partial.Select(p => p.StreamIdHex), StringComparer.Ordinal).ToList())
        {
            _stalls.Remove(gone);
        }

        IEnumerable<IIntakeCandidate> candidates = [
            .. _inbox.List().Select(entry => new InboxCandidate(_inbox, entry, _output, published)),
            .. partial.Select(stream => new PartsCandidate(_inbox, stream, PartWait, LinkActivity, _time, _stalls, _output, published)),
        ];
        await _intake.ApplyInOrderAsync(candidates, IntakeMode.Service, new OperationProgress(), cancellationToken).ConfigureAwait(false);
        _inbox.RemovePartsUpTo(_state.Published.Generation);
        _inbox.Trim();
    }

    /// <summary>What waits in the inbox, whole or in parts, as status lists it.</summary>
    public IReadOnlyList<StatusNote> InboxNotes() =>
    [
        .. _inbox.List().Select(e => StatusNote.Pending(PendingKind.InInbox, $"{e.Describe} waits in the inbox", e.Generation, e.BaseGeneration)),
        .. _inbox.PartialStreams().Select(p => StatusNote.Pending(
            PendingKind.InInbox, string.Create(CultureInfo.InvariantCulture, $"{p.Describe} waits in the inbox, {p.Indices.Count} of its parts here"), p.Generation, p.BaseGeneration)),
    ];

    /// <summary>Lists what the inbox waits for, plus the sessions not collected for lack of spool, and what was refused.</summary>
    public void WriteStatus(IEnumerable<StatusNote> pending)
    {
        _intake.Status.SetPending(pending);
        _intake.Status.Write();
    }

    /// <summary>One line: the receiver's counters, plus where the published tree stands.</summary>
    public string Report(UdpReceiver receiver)
    {
        var published = _state.Published.Generation;
        var newest = Math.Max(Interlocked.Read(ref _newestSeen), published);
        return string.Create(CultureInfo.InvariantCulture,
            $"report: {receiver.Describe()}; published generation {published}, newest announced {newest} (lag {newest - published}), inbox {_inbox.Count} waiting");
    }

    /// <summary>Whether the inbox holds what a session carries already: the whole stream, or this part of it (or all of it).</summary>
    private bool Held(DeltaHeader header, StreamPart? part) => part is { } place
        ? _inbox.HoldsPart(header.StreamIdHex, place.Index) || _inbox.HoldsWhole(header.StreamIdHex)
        : _inbox.Holds(header.StreamIdHex);

    private static string Description(DeltaHeader header, StreamPart? part)
    {
        var stream = UdpStreamFile.Description(header.TargetGeneration, header.BaseGeneration);
        return part is { } place ? UdpPartFile.Description(stream, place.Index) : stream;
    }

    private void NoteNewest(long generation)
    {
        InsideMetrics.Known(generation);
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

        UdpLog.SessionVerdict(_logger, level, message);
        return true;
    }
}
