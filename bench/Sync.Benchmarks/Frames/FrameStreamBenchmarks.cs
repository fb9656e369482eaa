using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using Sync.Core.Streams;
using Sync.Protocol;

namespace Sync.Benchmarks.Frames;

/// <summary>
/// Issue 12's yardstick: the pipe-based frame reader and writer against the stream-based ones they replaced, on
/// <see cref="FrameMix"/> in memory (so the figure is the frame plumbing, not the disk). Each operation reads or
/// writes the whole ~33 MiB stream; DataGB/s counts its bytes. The pipe reader runs with 1 MiB segments (every
/// chunk frame spans two and is joined) and with the 4 MiB segments the carriers use.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class FrameStreamBenchmarks
{
    private IReadOnlyList<DeltaFrame> _frames = null!;
    private byte[] _encoded = null!;
    private MemoryStream _output = null!;

    [GlobalSetup]
    public void Setup()
    {
        _frames = FrameMix.Create();
        _output = new MemoryStream(40 << 20);
        WriteStream().GetAwaiter().GetResult();
        _encoded = _output.ToArray();
        WritePipe().GetAwaiter().GetResult();
        if (!_output.ToArray().AsSpan().SequenceEqual(_encoded))
        {
            throw new InvalidOperationException("the pipe writer wrote other bytes than the stream writer");
        }

        var expected = _frames.OfType<ChunkFrame>().Sum(c => (long)c.Data.Length);
        if (ReadStream().GetAwaiter().GetResult() != expected || ReadPipe().GetAwaiter().GetResult() != expected ||
            ReadPipeSmallSegments().GetAwaiter().GetResult() != expected)
        {
            throw new InvalidOperationException("a reader did not return every chunk byte");
        }
    }

    [Benchmark(Baseline = true)]
    public async Task<long> ReadStream()
    {
        using var reader = new StreamFrameReader(new MemoryStream(_encoded, writable: false));
        return await Drain(reader).ConfigureAwait(false);
    }

    [Benchmark]
    public async Task<long> ReadPipe()
    {
        await using var reader = PipeFrameReader.Create(new MemoryStream(_encoded, writable: false), "benchmark", leaveOpen: false);
        return await Drain(reader).ConfigureAwait(false);
    }

    /// <summary>1 MiB segments: every chunk frame spans two and is joined, the cost the 4 MiB segments mostly avoid.</summary>
    [Benchmark]
    public async Task<long> ReadPipeSmallSegments()
    {
        var pipe = PipeReader.Create(new MemoryStream(_encoded, writable: false), new StreamPipeReaderOptions(bufferSize: 1 << 20, minimumReadSize: 64 << 10));
        await using var reader = new PipeFrameReader(pipe);
        return await Drain(reader).ConfigureAwait(false);
    }

    [Benchmark]
    public async Task WriteStream()
    {
        _output.Position = 0;
        using var writer = new StreamFrameWriter(_output);
        foreach (var frame in _frames)
        {
            await writer.WriteAsync(frame, CancellationToken.None).ConfigureAwait(false);
        }
    }

    [Benchmark]
    public async Task WritePipe()
    {
        _output.Position = 0;
        await using var writer = PipeFrameWriter.Create(_output, leaveOpen: true);
        foreach (var frame in _frames)
        {
            await writer.WriteAsync(frame, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task<long> Drain(IDeltaSource source)
    {
        long chunkBytes = 0;
        while (await source.ReadAsync(CancellationToken.None).ConfigureAwait(false) is { } frame)
        {
            if (frame is ChunkFrame chunk)
            {
                chunkBytes += chunk.Data.Length;
            }
        }

        return chunkBytes;
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddColumn(StatisticColumn.Median);
            AddColumn(new DataThroughputColumn(FrameMix.EncodedBytes));
        }
    }
}
