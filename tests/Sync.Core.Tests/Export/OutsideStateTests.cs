using Sync.Core.FileSystem;
using Sync.Core.Apply;
using Sync.Core.Export;
using Sync.Core.Hashing;

namespace Sync.Core.Tests.Export;

/// <summary>An export interrupted between writing its bundle index and recording it is resolved on the next run.</summary>
public sealed class OutsideStateTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sync-outside-state-").FullName;

    public void Dispose() => LinuxFileSystem.Instance.RemoveTree(_dir);

    [Theory]
    [InlineData(true, 1)]
    [InlineData(false, 0)]
    public void A_pending_generation_counts_only_if_its_index_was_written(bool indexWritten, long expectedGeneration)
    {
        var stateDir = Path.Combine(_dir, "state");
        var index = Path.Combine(_dir, "bundle.index");
        var manifest = new byte[] { 1, 2, 3 };
        using (var state = OutsideState.Open(stateDir))
        {
            state.MarkPending(1, manifest, Digest.Compute(manifest), "stream", index);
        }

        if (indexWritten)
        {
            File.WriteAllText(index, "index");
        }

        using var reopened = OutsideState.Open(stateDir);
        Assert.Equal(expectedGeneration, reopened.Current.Generation);
        Assert.NotNull(reopened.RecoveryNote);
        Assert.False(File.Exists(Path.Combine(stateDir, "pending.json")));
        if (indexWritten)
        {
            Assert.Equal(manifest, reopened.LoadLastManifest());
        }
    }
}
