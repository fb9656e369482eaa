using Sync.Core.Apply;
using Sync.Testing.FileSystem;

namespace Sync.Core.Tests.Apply;

/// <summary>status.json with kinds: written beside the bare lines older versions read, and read from a file they wrote.</summary>
public sealed class ImportStatusTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Kinds_are_snake_case_names_of_their_enums()
    {
        Assert.Equal("missing_base", StatusNote.Pending(PendingKind.MissingBase, "x").Kind);
        Assert.Equal("not_collected", StatusNote.Pending(PendingKind.NotCollected, "x").Kind);
        Assert.Equal("untrusted_key", StatusNote.Refused(RefusalKind.UntrustedKey, "x").Kind);
        Assert.Equal("wrong_base", StatusNote.Refused(RefusalKind.WrongBase, "x").Kind);
    }

    [Fact]
    public void Notes_round_trip_beside_the_lines_an_older_version_reads()
    {
        using (var state = InsideState.OpenForWrite(_temp.Path))
        {
            state.WriteStatus(new ImportStatus(DateTimeOffset.UnixEpoch, [], ["waits"], ["no"])
            {
                PendingNotes = [StatusNote.Pending(PendingKind.MissingBase, "waits", 3, 2)],
                RefusedNotes = [StatusNote.Refused(RefusalKind.Replayed, "no", 1, 0)],
            });
        }

        using var read = InsideState.OpenReadOnly(_temp.Path);
        var status = read.ReadStatus()!;
        Assert.Equal(["waits"], status.Pending);
        Assert.Equal(new StatusNote("missing_base", "waits") { Generation = 3, BaseGeneration = 2 }, Assert.Single(status.PendingWithKinds));
        Assert.Equal(new StatusNote("replayed", "no") { Generation = 1, BaseGeneration = 0 }, Assert.Single(status.RefusedWithKinds));
    }

    [Fact]
    public void A_status_an_older_version_wrote_reads_with_kind_other()
    {
        File.WriteAllText(Path.Combine(_temp.Path, "status.json"),
            "{\"at\":\"2026-01-01T00:00:00+00:00\",\"applied\":[],\"pending\":[\"waits for 1\"],\"refused\":[\"bad\"]}");

        using var state = InsideState.OpenReadOnly(_temp.Path);
        var status = state.ReadStatus()!;
        Assert.Equal(new StatusNote("other", "waits for 1"), Assert.Single(status.PendingWithKinds));
        Assert.Equal(new StatusNote("other", "bad"), Assert.Single(status.RefusedWithKinds));
    }
}
