using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp.Tests;

/// <summary>The finished-session record: durable across restarts, and bounded.</summary>
public sealed class FinishedSessionsUnitTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void It_keeps_the_newest_ids_across_restarts_and_its_file_stays_bounded()
    {
        const int Capacity = 16;
        var finished = FinishedSessions.Load(_dir.Path, Capacity);
        int total = 3 * Capacity + 17;
        for (ulong id = 1; id <= (ulong)total; id++)
        {
            finished.Add(id, ObjectDisposition.Applied, DateTimeOffset.UnixEpoch);
        }

        string file = Path.Combine(_dir.Path, "finished-sessions");
        Assert.InRange(File.ReadAllLines(file).Length, Capacity, 2 * Capacity);
        Assert.True(finished.Contains((ulong)total));
        Assert.False(finished.Contains(1));

        var reloaded = FinishedSessions.Load(_dir.Path, Capacity);
        Assert.Equal(Capacity, reloaded.Count);
        for (ulong id = (ulong)(total - Capacity + 1); id <= (ulong)total; id++)
        {
            Assert.True(reloaded.Contains(id), $"session {id} was forgotten");
        }

        Assert.Empty(Directory.GetFiles(_dir.Path, "*.tmp"));
    }
}
