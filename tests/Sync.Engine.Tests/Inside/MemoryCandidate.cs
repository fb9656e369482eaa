using Sync.Core.Apply;
using Sync.Core.Streams;
using Sync.Engine.Inside;
using Sync.Testing.Streams;

namespace Sync.Engine.Tests.Inside;

/// <summary>A candidate held in memory, as a carrier would list it; remembers how its turn ended.</summary>
internal sealed class MemoryCandidate : IIntakeCandidate
{
    private readonly MemoryDeltaStream _stream;

    public MemoryCandidate(string what, MemoryDeltaStream stream, DeltaHeader claimed)
    {
        _stream = stream;
        What = what;
        Claim = new CandidateClaim(claimed.TargetGeneration, claimed.BaseGeneration, claimed.StreamIdHex);
    }

    public string What { get; }

    public string? NamedStreamPrefix { get; init; }

    public CandidateClaim? Claim { get; init; }

    /// <summary>Thrown by <see cref="OpenAsync"/> instead of opening (a part missing, a failing disk).</summary>
    public Exception? OpenFails { get; init; }

    public List<CandidateFate> Fates { get; } = [];

    public AppliedGeneration? Applied { get; private set; }

    public ValueTask<CandidateHeader> ReadHeaderAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(new CandidateHeader(((HeaderFrame)_stream.Frames[0]).Header));

    public ValueTask<IDeltaSource> OpenAsync(CancellationToken cancellationToken)
    {
        if (OpenFails is not null)
        {
            throw OpenFails;
        }

        _stream.Rewind();
        return ValueTask.FromResult<IDeltaSource>(_stream);
    }

    public string Pending(Exception reason, PublishedRecord published) => $"{What} waits: {reason.Message}";

    public void Settle(CandidateFate fate, AppliedGeneration? applied)
    {
        Fates.Add(fate);
        Applied ??= applied;
    }
}
