using Sync.Core;
using Sync.Engine.Outside;
using Sync.Protocol.V1;
using Sync.Transport.Grpc;

namespace Sync.Integration.Tests;

/// <summary>
/// The inside's answer crosses the seam in one place (Outcomes): what the inside sends for a failure, read back as the
/// engine's InsideAnswer, gives the exit code the failure had (a pull's exit code comes from it since issue 12).
/// </summary>
public sealed class GrpcOutcomesTests
{
    [Theory]
    [InlineData(SyncErrorKind.Refused, InsideAnswerStatus.Refused)]
    [InlineData(SyncErrorKind.MissingBase, InsideAnswerStatus.MissingBase)]
    [InlineData(SyncErrorKind.Busy, InsideAnswerStatus.Busy)]
    [InlineData(SyncErrorKind.Storage, InsideAnswerStatus.StorageFull)]
    [InlineData(SyncErrorKind.Failure, InsideAnswerStatus.Failed)]
    public void A_failure_answered_over_the_wire_keeps_its_kind(SyncErrorKind kind, InsideAnswerStatus status)
    {
        var answer = Outcomes.ToAnswer(Outcomes.Of(new SyncException(kind, "why")));

        Assert.Equal(status, answer.Status);
        Assert.Equal(kind, answer.Kind);
        Assert.Equal("why", answer.Message);
    }

    [Fact]
    public void Every_status_on_the_wire_has_an_answer_and_one_this_end_does_not_know_is_a_failure()
    {
        var answers = Enum.GetValues<Outcome.Types.Status>()
            .ToDictionary(s => s, s => Outcomes.ToAnswer(Outcomes.Of(s, 7, "m")));

        Assert.Equal(InsideAnswerStatus.Published, answers[Outcome.Types.Status.Published].Status);
        Assert.Equal(InsideAnswerStatus.NothingNew, answers[Outcome.Types.Status.NothingNew].Status);
        Assert.Equal(InsideAnswerStatus.Failed, answers[Outcome.Types.Status.Unspecified].Status);
        Assert.Equal(InsideAnswerStatus.Failed, Outcomes.ToAnswer(Outcomes.Of((Outcome.Types.Status)99, 7, "m")).Status);
        Assert.All(answers.Values, a => Assert.Equal(7, a.Generation));
        Assert.Equal(Enum.GetValues<InsideAnswerStatus>().Order(), answers.Values.Select(a => a.Status).Distinct().Order());
    }
}
