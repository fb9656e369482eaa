using Sync.Testing.Streams;
using Sync.Core.Delta;

namespace Sync.Core.Tests.Delta;

public sealed class DeltaApplierTests
{
    private static readonly byte[] _base = [.. Enumerable.Range(0, 1000).Select(i => (byte)i)];

    [Fact]
    public async Task CopiesAndLiterals_AreWrittenInOrder()
    {
        var result = await DeltaTestKit.ApplyAsync(_base, [DeltaOp.Copy(990, 10), DeltaOp.Literal(new byte[] { 7, 7 }), DeltaOp.Copy(0, 3), DeltaOp.Literal(default)]);

        Assert.Equal([.. _base[990..], 7, 7, 0, 1, 2], result);
    }

    [Fact]
    public async Task ALargeCopy_SpansSeveralBufferFills()
    {
        var content = new byte[1_000_000];
        new Random(1).NextBytes(content);

        var result = await DeltaTestKit.ApplyAsync(content, [DeltaOp.Copy(1, 999_999), DeltaOp.Copy(0, 1)]);

        Assert.Equal([.. content[1..], content[0]], result);
    }

    [Theory]
    [InlineData(0, 1001)]
    [InlineData(1, 1000)]
    [InlineData(1000, 1)]
    [InlineData(long.MaxValue, 1)]
    [InlineData(long.MaxValue - 5, int.MaxValue)]
    public async Task ACopyOutsideTheBase_IsRefused(long offset, int length)
    {
        using var output = new MemoryStream();
        var applier = new DeltaApplier(new MemoryStream(_base), output);

        // A refusal the inside reports in one line (exit 3), not an internal error (issue 9, the patch fuzz target).
        var e = await Assert.ThrowsAsync<SyncException>(async () => await applier.ApplyAsync(DeltaOp.Copy(offset, length), CancellationToken.None));
        Assert.Equal(SyncErrorKind.Refused, e.Kind);
        Assert.Equal(0, output.Length);
    }

    [Fact]
    public async Task ABaseThatShrinks_IsALocalFailure()
    {
        using var baseStream = new MemoryStream();
        baseStream.Write(_base);
        using var output = new MemoryStream();
        var applier = new DeltaApplier(baseStream, output);
        baseStream.SetLength(500);

        var e = await Assert.ThrowsAsync<SyncException>(async () => await applier.ApplyAsync(DeltaOp.Copy(400, 200), CancellationToken.None));
        Assert.Equal(SyncErrorKind.Failure, e.Kind);
    }

    [Fact]
    public void ABaseThatCannotSeek_IsRejected()
    {
        Assert.Throws<ArgumentException>(() => new DeltaApplier(new TrickleStream(_base, seed: 1, maxRead: 10), new MemoryStream()));
    }

    [Fact]
    public void InvalidOps_CannotBeMade()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DeltaOp.Copy(-1, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => DeltaOp.Copy(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => DeltaOp.Copy(0, -3));
    }
}
