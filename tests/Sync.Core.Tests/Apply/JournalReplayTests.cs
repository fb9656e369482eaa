using Sync.Core.Apply;
using Sync.Testing.FileSystem;
using Sync.Testing.Logging;

namespace Sync.Core.Tests.Apply;

/// <summary>
/// Replaying an in-place journal is idempotent: a crash after any number of its steps, even after all of them
/// (before the journal is deleted), is finished by running it again from the start.
/// </summary>
public sealed class JournalReplayTests : IDisposable
{
    private readonly TempDirectory _dir = new("sync-journal-");
    private readonly LogScope _log = new();

    public void Dispose()
    {
        _dir.Dispose();
        _log.Dispose();
    }

    private string P(string name) => _dir.Combine(name);

    private Journal MakeJournal()
    {
        var target = P("target");
        Directory.CreateDirectory(Path.Combine(target, "dists/s"));
        File.WriteAllText(Path.Combine(target, "dists/s/InRelease"), "old");
        File.WriteAllText(Path.Combine(target, "old.deb"), "old package");
        var staging = P("staging");
        Directory.CreateDirectory(Path.Combine(staging, "suite"));
        File.WriteAllText(Path.Combine(staging, "suite/InRelease"), "new");
        File.WriteAllText(Path.Combine(staging, "1"), "new package");
        var marker = Sync.Core.Posix.Posix.LStat(Path.Combine(staging, "suite")).Inode;
        return new Journal(Journal.CurrentFormat, 2, new string('a', 64), "stream", PublishMode.InPlace, target, null, staging, PublishPolicy.Default,
        [
            new JournalOp(JournalOpKind.MakeDirectory, "pool", Mode: 0x1C0),
            new JournalOp(JournalOpKind.Rename, "pool/new.deb", "1"),
            new JournalOp(JournalOpKind.Exchange, "dists/s", "suite", Marker: marker),
            new JournalOp(JournalOpKind.Delete, "old.deb"),
            new JournalOp(JournalOpKind.RemoveSwappedOut, "dists/s", "suite", Marker: marker),
            new JournalOp(JournalOpKind.SetDirectoryMetadata, "pool", null, 0x1ED, 1_600_000_000_000_000_000),
        ]);
    }

    private void AssertPublished()
    {
        var target = P("target");
        Assert.Equal("new package", File.ReadAllText(Path.Combine(target, "pool/new.deb")));
        Assert.Equal("new", File.ReadAllText(Path.Combine(target, "dists/s/InRelease")));
        Assert.False(File.Exists(Path.Combine(target, "old.deb")));
        Assert.False(Directory.Exists(P("staging/suite")));
        Assert.Equal(1_600_000_000L, new DateTimeOffset(Directory.GetLastWriteTimeUtc(Path.Combine(target, "pool"))).ToUnixTimeSeconds());
    }

    [Fact]
    public async Task Replaying_a_finished_journal_changes_nothing()
    {
        var journal = MakeJournal();
        using var state = InsideState.OpenForWrite(P("state"));
        var publisher = new Publisher(_log.CreateLogger(nameof(Publisher)), TimeProvider.System);
        state.WriteJournal(journal);
        await publisher.RecoverAsync(state, journal.Target, PublishMode.InPlace, CancellationToken.None);
        AssertPublished();
        Assert.Null(state.ReadJournal());
        Assert.Equal(2, state.Published.Generation);

        // A crash after the last step but before the journal was deleted: the replay must not swap the suite back.
        state.WriteJournal(journal);
        await publisher.RecoverAsync(state, journal.Target, PublishMode.InPlace, CancellationToken.None);
        AssertPublished();
    }
}
