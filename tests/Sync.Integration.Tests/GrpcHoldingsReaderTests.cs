using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Sync.Core;
using Sync.Core.Export;
using Sync.Core.Hashing;
using Sync.Integration.Tests.Infrastructure;
using Sync.Protocol.V1;
using Sync.Testing.FileSystem;
using Sync.Transport.Grpc;

namespace Sync.Integration.Tests;

/// <summary>
/// The outside's bound on what an inside claims to hold (no processes): beyond one batch, an inside may claim as
/// many digests as the manifests this outside sent could name, and no more.
/// </summary>
public sealed class GrpcHoldingsReaderTests
{
    private const int Claimed = 100_000;

    [Fact]
    public async Task An_inside_may_claim_what_the_generations_sent_to_it_could_name()
    {
        using var dir = new TempDirectory();
        using var state = OutsideState.Open(dir.CreateSubdirectory("state"));
        // A cut transfer's manifest: 32 bytes a distinct digest at least, so this one can name Claimed of them.
        var manifest = new byte[Claimed * Digest.Size];
        Random.Shared.NextBytes(manifest);
        var sent = Sent(manifest);
        state.RecordSent(sent, state.StageManifest(sent.Generation, manifest));

        var (held, outcome) = await ReadAsync(state, Claimed);
        Assert.Null(outcome);
        Assert.Equal(Claimed, held.Contents.Count);
    }

    [Fact]
    public async Task An_inside_that_claims_more_than_those_generations_name_is_refused_with_resource_exhausted()
    {
        using var dir = new TempDirectory();
        using var state = OutsideState.Open(dir.CreateSubdirectory("state"));
        var manifest = new byte[Claimed / 4 * Digest.Size];
        var sent = Sent(manifest);
        state.RecordSent(sent, state.StageManifest(sent.Generation, manifest));

        var refused = await Assert.ThrowsAsync<SyncException>(() => ReadAsync(state, Claimed));
        Assert.Equal(SyncErrorKind.Refused, refused.Kind);
        Assert.Contains($"claims to hold more than {HoldingsReader.FloorDigests + Claimed / 4} contents and chunks", refused.Message);
        Assert.Equal(StatusCode.ResourceExhausted, GrpcErrors.StatusOf(refused).StatusCode);
    }

    /// <summary>What a push records before its first frame: the sent manifest kept until the inside answers.</summary>
    private static Emission Sent(byte[] manifest) =>
        new(1, 0, Digest.Compute(manifest).ToHex(), new string('0', 32), Emission.Grpc, DateTimeOffset.UnixEpoch, Emission.Pending);

    private static Task<(InsideHoldings Held, Outcome? Outcome)> ReadAsync(OutsideState state, int digests)
    {
        var messages = new List<InsideMessage>();
        var batch = new Holdings();
        var bytes = new byte[Digest.Size];
        for (var i = 0; i < digests; i++)
        {
            BitConverter.TryWriteBytes(bytes, i);
            batch.Contents.Add(ByteString.CopyFrom(bytes));
            if (batch.Contents.Count == GrpcLimits.DigestsPerMessage)
            {
                messages.Add(new InsideMessage { Holdings = batch });
                batch = new Holdings();
            }
        }

        batch.Last = true;
        messages.Add(new InsideMessage { Holdings = batch });
        var peer = new IdleLimitedPeerStream<OutsideMessage, InsideMessage>(new ScriptedPeer(messages), TimeSpan.FromMinutes(1), TimeProvider.System);
        return HoldingsReader.ReadAsync(peer, state, TimeProvider.System, NullLogger.Instance, CancellationToken.None);
    }

    /// <summary>An inside that says what it was given to say.</summary>
    private sealed class ScriptedPeer(IEnumerable<InsideMessage> script) : IPeerStream<OutsideMessage, InsideMessage>
    {
        private readonly Queue<InsideMessage> _script = new(script);

        public string Peer => "scripted inside";

        public Task SendAsync(OutsideMessage message, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<InsideMessage?> ReceiveAsync(CancellationToken cancellationToken) =>
            Task.FromResult(_script.TryDequeue(out var message) ? message : null);
    }
}
