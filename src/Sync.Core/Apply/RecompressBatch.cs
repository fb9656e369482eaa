using Sync.Core.Compression;
using Sync.Core.FileSystem;
using Sync.Core.Manifests;
using Sync.Core.Streams;

namespace Sync.Core.Apply;

/// <summary>
/// The rebuilds one receive runs: each starts when its frame arrives (its source is staged or published by then) and
/// runs on the thread pool while the stream goes on, at most one per core and within a memory budget
/// (<see cref="CompressionGate"/>): xz -9 of a 36 MB Packages takes half a minute and about 330 MiB. The receiver
/// calls <see cref="CompleteAsync"/> at the end marker; any mismatch refuses the generation before anything is
/// published, and the other rebuilds are stopped and their temporary objects removed. Used from the receiver's thread.
/// </summary>
internal sealed class RecompressBatch : IAsyncDisposable
{
    private readonly ContentSources _sources;
    private readonly string _what;
    private readonly CompressionGate _gate;
    private readonly CancellationTokenSource _stop;
    private readonly List<(RecompressJob Job, Task Run)> _running = [];

    public RecompressBatch(ContentSources sources, string what, CancellationToken cancellationToken, CompressionGate? gate = null)
    {
        _sources = sources;
        _what = what;
        _gate = gate ?? CompressionGate.ForMachine();
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
    }

    public int Count => _running.Count;

    /// <summary>Starts rebuilding <paramref name="entry"/>; a source the inside does not hold is refused at once.</summary>
    public void Start(ManifestEntry entry, RecompressFrame frame, string? plainTemp = null)
    {
        var job = RecompressStager.Prepare(entry, frame, _sources, _what, plainTemp);
        var memory = CompressionMemory.Estimate(frame.Setting, job.Input!.Length);
        var token = _stop.Token;
        _running.Add((job, Task.Run(async () =>
        {
            using var lease = await _gate.EnterAsync(memory, token).ConfigureAwait(false);
            await RecompressStager.RunAsync(job, token).ConfigureAwait(false);
        }, token)));
    }

    /// <summary>Waits for every rebuild and checks each against the signed manifest; returns the entries now staged.</summary>
    public async Task<IReadOnlyList<ManifestEntry>> CompleteAsync()
    {
        var done = new List<ManifestEntry>(_running.Count);
        try
        {
            foreach (var (job, run) in _running)
            {
                await run.ConfigureAwait(false);
                RecompressStager.Finish(job, _sources.Objects, _what);
                done.Add(job.Entry);
            }
        }
        finally
        {
            // On a refusal the rest are stopped and their parts removed; on success this finds nothing left.
            _running.RemoveAll(r => done.Contains(r.Job.Entry));
            await DisposeAsync().ConfigureAwait(false);
        }

        return done;
    }

    /// <summary>Stops what still runs, waits for it and removes its temporary objects (a cut or refused receive).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_running.Count > 0)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            foreach (var (job, run) in _running)
            {
                try
                {
                    await run.ConfigureAwait(false);
                }
                catch (Exception) when (run.IsCompleted)
                {
                    // Already failing (or cut): the first error is the one reported; this only cleans up.
                }

                job.Dispose();
                _sources.Objects.RemoveTree(job.Temp);
                RecompressStager.RemovePlain(job, _sources.Objects);
            }

            _running.Clear();
        }

        _stop.Dispose();
        _gate.Dispose();
    }
}
