using Microsoft.Extensions.Logging;
using Sync.Core;
using Sync.Core.Apply;
using Sync.Core.Trust;
using Sync.Engine.Inside;
using Sync.Testing.Streams;

namespace Sync.Engine.Tests.Inside;

/// <summary>
/// The inside's intake with candidates in memory: ordering, waiting, refusals, what a publish supersedes, disk trouble,
/// and what status.json says afterwards. Streams are made by the real exporter and applied into a real target.
/// </summary>
public sealed class GenerationIntakeTests : IDisposable
{
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private async Task<GenerationIntake> IntakeAsync(TrustStore trust, InsideState state)
    {
        var intake = new GenerationIntake(
            _scratch.Codec, trust, state, new IntakeTarget(_scratch.Target, PublishMode.Snapshot, 3), _scratch.Log.CreateLogger(nameof(GenerationIntake)), TimeProvider.System);
        await intake.PrepareAsync(CancellationToken.None);
        return intake;
    }

    private MemoryCandidate Candidate(string what, MemoryDeltaStream stream) => new(what, stream, _scratch.HeaderOf(stream));

    private static Task<IntakeRound> RoundAsync(GenerationIntake intake, IntakeMode mode, params MemoryCandidate[] candidates) =>
        intake.ApplyInOrderAsync(candidates, mode, new OperationProgress(), CancellationToken.None);

    /// <summary>Generation 1 (full), then 2 (a delta from 1 adding pool/main/b.deb).</summary>
    private async Task<(MemoryDeltaStream First, MemoryDeltaStream Second)> TwoGenerationsAsync()
    {
        var first = await _scratch.EmitAsync();
        _scratch.Write("pool/main/b.deb", "package b");
        return (first, await _scratch.EmitAsync());
    }

    [Fact]
    public async Task Candidates_are_applied_in_generation_order_whatever_order_the_carrier_lists_them_in()
    {
        var (first, second) = await TwoGenerationsAsync();
        using var trust = _scratch.Trust();
        using var state = InsideState.OpenForWrite(_scratch.InsideState);
        var one = Candidate("first", first);
        var two = Candidate("second", second);

        var round = await RoundAsync(await IntakeAsync(trust, state), IntakeMode.OneShot, two, one);

        Assert.Equal([1L, 2L], round.Applied.Select(a => a.Header.TargetGeneration));
        Assert.Equal([0L, 1L], round.Applied.Select(a => a.Before));
        Assert.Equal(0, round.ExitCode);
        Assert.Equal([CandidateFate.Applied], one.Fates);
        Assert.Equal([CandidateFate.Applied], two.Fates);
        Assert.Equal(2, state.Published.Generation);
        Assert.Equal("package b", File.ReadAllText(Path.Combine(_scratch.Target, "pool/main/b.deb")));
        var status = state.ReadStatus()!;
        Assert.Equal([_scratch.HeaderOf(first).StreamIdHex, _scratch.HeaderOf(second).StreamIdHex], status.Applied);
        Assert.Empty(status.Pending);
        Assert.Empty(status.Refused);
    }

    [Fact]
    public async Task A_delta_whose_base_is_missing_waits_and_is_listed_as_pending()
    {
        var (_, second) = await TwoGenerationsAsync();
        using var trust = _scratch.Trust();
        using var state = InsideState.OpenForWrite(_scratch.InsideState);
        var two = Candidate("second", second);

        var round = await RoundAsync(await IntakeAsync(trust, state), IntakeMode.OneShot, two);

        Assert.Equal((int)SyncErrorKind.MissingBase, round.ExitCode);
        var line = Assert.Single(round.Pending);
        Assert.StartsWith("second waits: second is a delta from generation 1", line, StringComparison.Ordinal);
        Assert.Equal([CandidateFate.Waiting], two.Fates);
        Assert.Equal(0, state.Published.Generation);
        Assert.Equal([line], state.ReadStatus()!.Pending);
    }

    [Fact]
    public async Task A_part_that_has_not_arrived_makes_a_candidate_wait()
    {
        var (first, _) = await TwoGenerationsAsync();
        using var trust = _scratch.Trust();
        using var state = InsideState.OpenForWrite(_scratch.InsideState);
        var one = new MemoryCandidate("first", first, _scratch.HeaderOf(first)) { OpenFails = SyncException.MissingBase("part 2 has not arrived") };

        var round = await RoundAsync(await IntakeAsync(trust, state), IntakeMode.OneShot, one);

        Assert.Equal(["first waits: part 2 has not arrived"], round.Pending);
        Assert.Equal([CandidateFate.Waiting], one.Fates);
    }

    [Fact]
    public async Task A_candidate_signed_by_a_key_not_trusted_here_is_refused_and_the_rest_still_applies()
    {
        var first = await _scratch.EmitAsync();
        _scratch.Write("pool/main/b.deb", "package b");
        var forged = await _scratch.EmitAsync(_scratch.P("other-outside"), key: _scratch.Stranger);
        using var trust = _scratch.Trust();
        using var state = InsideState.OpenForWrite(_scratch.InsideState);
        var bad = Candidate("forged", forged);

        var round = await RoundAsync(await IntakeAsync(trust, state), IntakeMode.OneShot, bad, Candidate("first", first));

        Assert.Equal((int)SyncErrorKind.Refused, round.ExitCode);
        var line = Assert.Single(round.Refused);
        Assert.Contains("forged is signed by key", line);
        Assert.Equal([CandidateFate.Refused], bad.Fates);
        Assert.Equal(1, state.Published.Generation);
        Assert.Equal([line], state.ReadStatus()!.Refused);
    }

    [Fact]
    public async Task A_stream_applied_before_is_skipped_quietly_also_once_its_key_is_retired()
    {
        var (first, _) = await TwoGenerationsAsync();
        using (var trust = _scratch.Trust())
        using (var state = InsideState.OpenForWrite(_scratch.InsideState))
        {
            await RoundAsync(await IntakeAsync(trust, state), IntakeMode.OneShot, Candidate("first", first));
        }

        using var retired = _scratch.StrangerTrust();
        using var reopened = InsideState.OpenForWrite(_scratch.InsideState);
        var again = Candidate("first", first);

        var round = await RoundAsync(await IntakeAsync(retired, reopened), IntakeMode.OneShot, again);

        Assert.Equal(0, round.ExitCode);
        Assert.Empty(round.Refused);
        Assert.Equal([CandidateFate.AlreadyApplied], again.Fates);
    }

    [Theory]
    [InlineData(IntakeMode.OneShot, CandidateFate.Refused, (int)SyncErrorKind.Refused)]
    [InlineData(IntakeMode.Service, CandidateFate.Superseded, 0)]
    public async Task A_waiting_delta_that_a_later_publish_supersedes_is_refused_by_a_command_and_dropped_quietly_by_a_service(
        IntakeMode mode, CandidateFate fate, int exitCode)
    {
        var (_, second) = await TwoGenerationsAsync();
        _scratch.Write("pool/main/c.deb", "package c");
        var third = await _scratch.EmitAsync(full: true);
        using var trust = _scratch.Trust();
        using var state = InsideState.OpenForWrite(_scratch.InsideState);
        var two = Candidate("second", second);

        var round = await RoundAsync(await IntakeAsync(trust, state), mode, two, Candidate("third", third));

        Assert.Equal(3, state.Published.Generation);
        Assert.Equal([CandidateFate.Waiting, fate], two.Fates);
        Assert.Equal(exitCode, round.ExitCode);
        Assert.Empty(round.Pending);
        Assert.Equal(mode == IntakeMode.OneShot, state.ReadStatus()!.Refused.Count == 1);
    }

    [Fact]
    public async Task Disk_trouble_keeps_the_candidate_in_a_service_and_ends_a_command()
    {
        var (first, _) = await TwoGenerationsAsync();
        using var trust = _scratch.Trust();
        using var state = InsideState.OpenForWrite(_scratch.InsideState);
        var intake = await IntakeAsync(trust, state);
        var kept = new MemoryCandidate("first", first, _scratch.HeaderOf(first)) { OpenFails = new IOException("the disk is on fire") };
        _scratch.Log.ExpectError("Could not apply first: the disk is on fire");

        var round = await RoundAsync(intake, IntakeMode.Service, kept);

        Assert.Equal(["first waits: the disk is on fire"], round.Pending);
        Assert.Contains(_scratch.Log.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("it is kept and tried again", StringComparison.Ordinal));
        Assert.Equal([CandidateFate.Kept], kept.Fates);
        await Assert.ThrowsAsync<IOException>(() => RoundAsync(intake, IntakeMode.OneShot, kept));
        Assert.Equal(0, state.Published.Generation);
    }

    [Fact]
    public async Task What_the_inside_tree_stops_keeps_the_candidate_in_a_service_and_refuses_it_in_a_command()
    {
        var (first, _) = await TwoGenerationsAsync();
        using var trust = _scratch.Trust();
        using var state = InsideState.OpenForWrite(_scratch.InsideState);
        var intake = await IntakeAsync(trust, state);
        var drift = new SyncException(SyncErrorKind.Refused, "3 entries changed here") { AboutTarget = true };
        var kept = new MemoryCandidate("first", first, _scratch.HeaderOf(first)) { OpenFails = drift };
        _scratch.Log.ExpectError("Could not apply first: 3 entries changed here");

        var round = await RoundAsync(intake, IntakeMode.Service, kept);

        Assert.Equal(["first waits: 3 entries changed here"], round.Pending);
        Assert.Contains(_scratch.Log.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("it is kept and tried again", StringComparison.Ordinal));
        Assert.Equal([CandidateFate.Kept], kept.Fates);
        var command = await RoundAsync(intake, IntakeMode.OneShot, kept);
        Assert.Equal([CandidateFate.Kept, CandidateFate.Refused], kept.Fates);
        Assert.Equal((int)SyncErrorKind.Refused, command.ExitCode);
        Assert.Equal(0, state.Published.Generation);
    }

    [Fact]
    public async Task A_candidate_whose_name_claims_an_applied_stream_is_skipped_without_being_read()
    {
        var (first, _) = await TwoGenerationsAsync();
        using var trust = _scratch.Trust();
        using var state = InsideState.OpenForWrite(_scratch.InsideState);
        var intake = await IntakeAsync(trust, state);
        var header = _scratch.HeaderOf(first);
        await RoundAsync(intake, IntakeMode.OneShot, Candidate("first", first));

        // Its index unreadable now (say, signed by a key since retired): no claim, only the name's prefix.
        var named = new MemoryCandidate("first again", first, header)
        {
            Claim = null,
            NamedStreamPrefix = header.StreamIdHex[..12],
            OpenFails = new InvalidOperationException("must not be opened"),
        };
        var round = await RoundAsync(intake, IntakeMode.OneShot, named);

        Assert.Equal([CandidateFate.AlreadyApplied], named.Fates);
        Assert.Equal(0, round.ExitCode);
    }

    [Fact]
    public async Task A_stream_from_an_answering_carrier_is_recorded_as_applied_or_refused()
    {
        var (first, _) = await TwoGenerationsAsync();
        var forged = await _scratch.EmitAsync(_scratch.P("other-outside"), key: _scratch.Stranger);
        using var trust = _scratch.Trust();
        using var state = InsideState.OpenForWrite(_scratch.InsideState);
        var intake = await IntakeAsync(trust, state);

        var e = await Assert.ThrowsAsync<SyncException>(() => intake.ApplyStreamAsync(forged, new OperationProgress(), null, CancellationToken.None));
        Assert.Equal(SyncErrorKind.Refused, e.Kind);
        Assert.Equal([e.Message], state.ReadStatus()!.Refused);

        first.Rewind();
        var received = await intake.ApplyStreamAsync(first, new OperationProgress(), null, CancellationToken.None);
        Assert.Equal(1, received.Header.TargetGeneration);
        Assert.Contains(received.Header.StreamIdHex, state.ReadStatus()!.Applied);
    }

    [Fact]
    public async Task A_generation_announced_but_not_held_is_pending_until_one_as_new_is_published()
    {
        var (first, second) = await TwoGenerationsAsync();
        using var trust = _scratch.Trust();
        using var state = InsideState.OpenForWrite(_scratch.InsideState);
        var intake = await IntakeAsync(trust, state);
        Assert.True(intake.Status.NotHeld("announced", 2, "generation 2 is announced but not collected"));
        intake.Status.Write();
        Assert.Equal(["generation 2 is announced but not collected"], state.ReadStatus()!.Pending);

        await RoundAsync(intake, IntakeMode.Service, Candidate("first", first));
        Assert.Equal(["generation 2 is announced but not collected"], state.ReadStatus()!.Pending);

        await RoundAsync(intake, IntakeMode.Service, Candidate("second", second));
        Assert.Empty(state.ReadStatus()!.Pending);
    }

    [Fact]
    public async Task The_status_lists_a_refusal_once_and_only_so_many_generations_announced_but_not_held()
    {
        using var state = InsideState.OpenForWrite(_scratch.InsideState);
        using var trust = _scratch.Trust();
        var status = (await IntakeAsync(trust, state)).Status;
        status.Refuse("the same forgery");
        status.Refuse("the same forgery");
        for (var i = 0; i < 16; i++)
        {
            Assert.True(status.NotHeld($"s{i}", 5, $"generation 5 announced, session {i}"));
        }

        Assert.False(status.NotHeld("one too many", 5, "not listed"));
        Assert.True(status.NotHeld("s3", 6, "generation 6 announced, session 3")); // a known one is updated
        status.Held("s0");
        status.Write();

        var written = state.ReadStatus()!;
        Assert.Equal(["the same forgery"], written.Refused);
        Assert.Equal(15, written.Pending.Count);
        Assert.Contains("generation 6 announced, session 3", written.Pending);
    }

    [Fact]
    public async Task The_status_remembers_the_newest_applied_streams_and_stays_readable()
    {
        using (var seeded = InsideState.OpenForWrite(_scratch.InsideState))
        {
            seeded.WriteStatus(new ImportStatus(DateTimeOffset.UnixEpoch, [.. Enumerable.Range(0, 1000).Select(i => $"{i:x32}")], [], []));
        }

        using var state = InsideState.OpenForWrite(_scratch.InsideState);
        using var trust = _scratch.Trust();
        var status = (await IntakeAsync(trust, state)).Status;

        status.RecordApplied("the newest");

        var applied = state.ReadStatus()!.Applied;
        Assert.Equal(1000, applied.Count);
        Assert.Equal("the newest", applied[^1]);
        Assert.False(status.WasApplied($"{0:x32}"));
        Assert.True(status.WasApplied($"{1:x32}"));
    }
}
