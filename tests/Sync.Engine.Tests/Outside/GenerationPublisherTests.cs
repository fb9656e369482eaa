using Sync.Core;
using Sync.Core.Export;
using Sync.Core.Hashing;
using Sync.Engine.Outside;

namespace Sync.Engine.Tests.Outside;

/// <summary>
/// The outside's one sequence with a fake carrier for each commit policy: what is committed when, what an interrupted
/// or refused emission leaves, the summary line and the exit code.
/// </summary>
public sealed class GenerationPublisherTests : IDisposable
{
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private async Task<(PublishOutcome Outcome, string Output)> PublishAsync(FakeCarrier carrier, bool full = false)
    {
        using var output = new StringWriter();
        var outcome = await _scratch.Publisher().PublishAsync(_scratch.Generation(full), carrier, output, new OperationProgress(), CancellationToken.None);
        return (outcome, output.ToString());
    }

    private OutsideState.Record Reopened(out string? note)
    {
        using var state = OutsideState.Open(_scratch.OutsideState);
        note = state.RecoveryNote;
        return state.Current;
    }

    private static InsideAnswer Published(long generation) => new(InsideAnswerStatus.Published, generation, $"generation {generation} published");

    [Theory]
    [InlineData(CommitPolicy.OnIndexWritten, PublishStatus.Delivered, Emission.Delivered)]
    [InlineData(CommitPolicy.OnSent, PublishStatus.Sent, Emission.Sent)]
    public async Task A_generation_no_one_answers_for_is_committed_once_its_copy_is_visible(CommitPolicy policy, PublishStatus status, string recorded)
    {
        var carrier = new FakeCarrier(policy);
        var (outcome, output) = await PublishAsync(carrier);

        Assert.Equal(status, outcome.Status);
        Assert.Equal(0, outcome.ExitCode);
        Assert.Null(outcome.Error);
        Assert.Equal(
            $"generation 1 (full): files 2 new, 0 changed, 0 removed; {carrier.Frames.Frames.Count} frames moved; 2 contents, 0 as byte deltas; " +
            $"manifest {carrier.Frames.Frames.OfType<Sync.Core.Streams.ManifestSliceFrame>().Sum(f => f.Data.Length)} bytes; done\na detail line\n",
            output);
        var current = Reopened(out var note);
        Assert.Null(note);
        Assert.Equal(1, current.Generation);
        Assert.Null(current.Pending);
        Assert.Equal(recorded, Assert.Single(current.History).Outcome);
    }

    [Theory]
    [InlineData(CommitPolicy.OnIndexWritten)]
    [InlineData(CommitPolicy.OnSent)]
    public async Task A_carrier_that_fails_before_its_copy_is_visible_abandons_the_generation_and_its_number_stays_used(CommitPolicy policy)
    {
        await PublishAsync(new FakeCarrier(policy));
        _scratch.Write("pool/main/b.deb", "package b");

        await Assert.ThrowsAsync<IOException>(() => PublishAsync(new FakeCarrier(policy) { FailBeforeVisible = true }));

        var current = Reopened(out var note);
        Assert.Null(note); // resolved at once, not left for the next run
        Assert.Null(current.Pending);
        Assert.Equal(1, current.Generation); // the next delta builds on the old base
        Assert.Equal(2, current.LastGeneration);
        Assert.Equal(Emission.Abandoned, current.History[^1].Outcome);

        var (next, output) = await PublishAsync(new FakeCarrier(policy));
        Assert.Equal(3, next.Summary!.Generation);
        Assert.StartsWith("generation 3 (delta from 1): files 1 new", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CommitPolicy.OnIndexWritten, "counts as delivered")]
    [InlineData(CommitPolicy.OnSent, "counts as sent")]
    public async Task A_carrier_that_fails_after_its_copy_is_visible_leaves_it_to_the_next_run_which_counts_it_emitted(CommitPolicy policy, string note)
    {
        await Assert.ThrowsAsync<IOException>(() => PublishAsync(new FakeCarrier(policy) { FailAfterVisible = true }));

        // An inside may hold it: the record resolves it as emitted, and the next delta builds on it.
        var current = Reopened(out var recovery);
        Assert.Contains(note, recovery);
        Assert.Equal(1, current.Generation);
        _scratch.Write("pool/main/b.deb", "package b");
        var (next, _) = await PublishAsync(new FakeCarrier(policy));
        Assert.Equal(1, next.Summary!.BaseGeneration);
    }

    [Fact]
    public async Task An_answering_inside_commits_a_generation_only_when_it_says_it_published_it()
    {
        var (outcome, output) = await PublishAsync(new FakeCarrier(CommitPolicy.OnAcknowledged) { Answer = Published });

        Assert.Equal(PublishStatus.Published, outcome.Status);
        Assert.Equal(0, outcome.ExitCode);
        Assert.StartsWith("generation 1 (full): files 2 new", output, StringComparison.Ordinal);
        var current = Reopened(out _);
        Assert.Equal(1, current.Generation);
        Assert.Equal(Emission.Published, Assert.Single(current.History).Outcome);
    }

    [Theory]
    [InlineData(InsideAnswerStatus.Refused, SyncErrorKind.Refused)]
    [InlineData(InsideAnswerStatus.MissingBase, SyncErrorKind.MissingBase)]
    [InlineData(InsideAnswerStatus.Busy, SyncErrorKind.Busy)]
    [InlineData(InsideAnswerStatus.Failed, SyncErrorKind.Failure)]
    public async Task A_generation_the_inside_does_not_publish_is_not_committed_and_its_number_stays_used(InsideAnswerStatus answer, SyncErrorKind kind)
    {
        var carrier = new FakeCarrier(CommitPolicy.OnAcknowledged) { Answer = g => new InsideAnswer(answer, 0, "it said no") };
        var (outcome, output) = await PublishAsync(carrier);

        Assert.Equal(PublishStatus.NotPublished, outcome.Status);
        Assert.Equal((int)kind, outcome.ExitCode);
        Assert.Equal("the inside did not publish: it said no", outcome.Error);
        Assert.Empty(output);
        var current = Reopened(out _);
        Assert.Equal(0, current.Generation);
        Assert.Equal(Emission.Unconfirmed, Assert.Single(current.History).Outcome);

        var (next, _) = await PublishAsync(new FakeCarrier(CommitPolicy.OnAcknowledged) { Answer = Published });
        Assert.Equal(2, next.Summary!.Generation);
    }

    [Fact]
    public async Task An_inside_that_publishes_another_generation_than_the_one_sent_is_reported_but_nothing_is_committed()
    {
        var (outcome, _) = await PublishAsync(new FakeCarrier(CommitPolicy.OnAcknowledged) { Answer = g => Published(g + 5) });

        Assert.Equal(PublishStatus.Published, outcome.Status);
        Assert.Equal(0, Reopened(out _).Generation);
    }

    [Theory]
    [InlineData(CommitPolicy.OnIndexWritten)]
    [InlineData(CommitPolicy.OnSent)]
    public async Task When_nothing_changed_nothing_is_emitted_and_no_number_is_taken(CommitPolicy policy)
    {
        await PublishAsync(new FakeCarrier(policy));
        var carrier = new FakeCarrier(policy);

        var (outcome, output) = await PublishAsync(carrier);

        Assert.Equal(PublishStatus.UpToDate, outcome.Status);
        Assert.Equal(0, outcome.ExitCode);
        Assert.Equal("generation 1: nothing to do\n", output);
        Assert.Equal((0, 1), (carrier.Emitted, carrier.UpToDateCalls));
        Assert.Equal(1, Reopened(out _).LastGeneration);
    }

    [Fact]
    public async Task An_answering_inside_that_holds_the_last_generation_is_told_it_is_up_to_date_and_its_answer_ends_the_run()
    {
        await PublishAsync(new FakeCarrier(CommitPolicy.OnAcknowledged) { Answer = Published });
        var carrier = new FakeCarrier(CommitPolicy.OnAcknowledged)
        {
            Start = state => new CarrierStart(new InsideHoldings(1, state.LoadLastManifest(), new HashSet<Digest>(), new HashSet<Digest>())),
            Answer = g => new InsideAnswer(InsideAnswerStatus.NothingNew, g, "current"),
        };

        var (outcome, output) = await PublishAsync(carrier);

        Assert.Equal(PublishStatus.UpToDate, outcome.Status);
        Assert.Equal("generation 1: nothing to do\n", output);
        Assert.Equal(0, carrier.Emitted);
    }

    [Fact]
    public async Task An_inside_that_holds_nothing_this_outside_knows_gets_a_full_generation_above_its_own()
    {
        await PublishAsync(new FakeCarrier(CommitPolicy.OnAcknowledged) { Answer = Published });
        var carrier = new FakeCarrier(CommitPolicy.OnAcknowledged)
        {
            Start = _ => new CarrierStart(new InsideHoldings(7, null, new HashSet<Digest>(), new HashSet<Digest>())),
            Answer = Published,
        };

        var (outcome, _) = await PublishAsync(carrier);

        Assert.Equal(8, outcome.Summary!.Generation);
        Assert.Equal(0, outcome.Summary.BaseGeneration);
    }

    [Fact]
    public async Task An_inside_that_ends_the_sync_before_the_plan_costs_no_generation_number()
    {
        var carrier = new FakeCarrier(CommitPolicy.OnAcknowledged)
        {
            Start = _ => new CarrierStart(Ended: new CarrierReport("unused", new InsideAnswer(InsideAnswerStatus.Busy, 0, "busy with another"))),
        };

        var (outcome, _) = await PublishAsync(carrier);

        Assert.Equal(PublishStatus.NotPublished, outcome.Status);
        Assert.Equal((int)SyncErrorKind.Busy, outcome.ExitCode);
        Assert.Equal(0, carrier.Emitted);
        Assert.Equal(0, Reopened(out _).LastGeneration);
    }

    [Fact]
    public async Task A_carriers_note_comes_before_the_summary_line()
    {
        var carrier = new FakeCarrier(CommitPolicy.OnIndexWritten) { Start = _ => new CarrierStart(Note: "wrote an owed index again") };

        var (_, output) = await PublishAsync(carrier);

        Assert.StartsWith("wrote an owed index again\ngeneration 1 (full)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_carrier_hears_why_the_engine_gave_up_when_the_state_is_busy()
    {
        using var held = OutsideState.Open(_scratch.OutsideState);
        var carrier = new FakeCarrier(CommitPolicy.OnAcknowledged);

        var e = await Assert.ThrowsAsync<SyncException>(() => PublishAsync(carrier));

        Assert.Equal(SyncErrorKind.Busy, e.Kind);
        Assert.Same(e, Assert.Single(carrier.Aborted));
    }

    [Fact]
    public async Task The_carrier_hears_why_the_engine_gave_up_when_the_scan_fails()
    {
        Directory.Delete(_scratch.Source, recursive: true);
        var carrier = new FakeCarrier(CommitPolicy.OnAcknowledged);

        var e = await Assert.ThrowsAsync<SyncException>(() => PublishAsync(carrier));

        Assert.Contains("is not a directory", e.Message);
        Assert.Same(e, Assert.Single(carrier.Aborted));
        Assert.Equal(0, carrier.Emitted);
    }

    [Fact]
    public async Task A_carrier_that_records_for_another_commit_policy_is_stopped_before_its_copy_is_recorded()
    {
        var carrier = new FakeCarrier(CommitPolicy.OnSent) { RecordAs = CommitPolicy.OnIndexWritten };

        await Assert.ThrowsAsync<InvalidOperationException>(() => PublishAsync(carrier));

        var current = Reopened(out _);
        Assert.Equal(0, current.Generation);
        Assert.Null(current.Pending);
    }
}
