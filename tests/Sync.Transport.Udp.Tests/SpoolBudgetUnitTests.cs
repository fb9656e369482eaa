using Microsoft.Win32.SafeHandles;
using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp.Tests;

/// <summary>The spool's budget and free-space checks, and the reservation they guard (small files in the test's own folder).</summary>
public sealed class SpoolBudgetUnitTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_need_beyond_the_budget_or_the_free_space_is_refused_with_a_reason_and_anything_else_passes()
    {
        File.WriteAllBytes(Path.Combine(_dir.Path, "held"), new byte[256 << 10]);
        var budget = new SpoolBudget(_dir.Path, maxBytes: 1 << 20);
        Assert.InRange(budget.Used(), 256 << 10, 300 << 10);
        Assert.Null(budget.Check(512 << 10));
        Assert.Contains("budget", budget.Check(900 << 10));

        // No budget to speak of: the file system's free space (less what stays free for others) is the limit.
        var unbounded = new SpoolBudget(_dir.Path, maxBytes: long.MaxValue);
        var (total, available) = SpoolSpace.Query(_dir.Path)!.Value;
        Assert.True(total >= available && available > 0);
        Assert.Contains("free", unbounded.Check(available));
        Assert.Null(unbounded.Check(Math.Min(1 << 20, available - unbounded.KeepFree - 1)));
    }

    [Fact]
    public void The_default_budget_is_half_the_file_system()
    {
        var (total, _) = SpoolSpace.Query(_dir.Path)!.Value;
        Assert.Equal(total / 2, new SpoolBudget(_dir.Path, null).MaxBytes);
    }

    [Fact]
    public void A_reservation_takes_the_blocks_a_sparse_length_does_not()
    {
        string sparse = Path.Combine(_dir.Path, "sparse");
        string reserved = Path.Combine(_dir.Path, "reserved");
        using (SafeFileHandle file = File.OpenHandle(sparse, FileMode.Create, FileAccess.ReadWrite))
        {
            RandomAccess.SetLength(file, 4 << 20);
        }

        using (SafeFileHandle file = File.OpenHandle(reserved, FileMode.Create, FileAccess.ReadWrite))
        {
            SpoolSpace.Reserve(file, 4 << 20);
            Assert.Equal(4 << 20, RandomAccess.GetLength(file));
        }

        Assert.True(SpoolSpace.AllocatedBytes(sparse) < 1 << 20);
        Assert.True(SpoolSpace.AllocatedBytes(reserved) >= 4 << 20);
        Assert.Equal(0, SpoolSpace.AllocatedBytes(Path.Combine(_dir.Path, "missing")));
    }
}
