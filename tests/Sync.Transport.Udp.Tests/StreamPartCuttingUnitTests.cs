using System.Net;
using System.Security.Cryptography;
using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp.Tests;

/// <summary>How `send` cuts a stream into parts while it spools it: sizes, places and hashes.</summary>
public sealed class StreamPartCuttingUnitTests
{
    private static UdpSendOptions Options(int k, int interleave) =>
        TestTickets.Send(new IPEndPoint(IPAddress.Loopback, 9), 1_000_000_000) with { DataSymbolsPerBlock = k, Interleave = interleave };

    [Fact]
    public void The_first_part_is_one_mebibyte_and_the_next_grow_in_whole_interleave_windows()
    {
        var small = SpoolPartPlan.For(Options(k: 4, interleave: 1)); // a 5.6 KiB window at MTU 1500
        Assert.Equal(4 * 1436, small.WindowBytes);
        var targets = Enumerable.Range(0, 8).Select(small.TargetBytes).ToArray();
        Assert.Equal(SpoolPartPlan.FirstPartBytes, targets[0]);
        Assert.All(targets.Skip(1), t => Assert.Equal(0, t % small.WindowBytes));
        Assert.True(targets.Zip(targets.Skip(1)).All(p => p.First <= p.Second), "parts never shrink");
        Assert.InRange(targets[7], SpoolPartPlan.LargestGrowthBytes, SpoolPartPlan.LargestGrowthBytes + small.WindowBytes);

        // A window larger than the growth (burst protection over many blocks) is the smallest later part.
        var deep = SpoolPartPlan.For(Options(k: 128, interleave: 1024));
        Assert.Equal(SpoolPartPlan.FirstPartBytes, deep.TargetBytes(0));
        Assert.Equal(deep.WindowBytes, deep.TargetBytes(1));
        Assert.Equal(deep.WindowBytes, deep.TargetBytes(9));
    }

    [Fact]
    public void A_first_part_shorter_than_a_window_keeps_the_interleave_depth_and_the_repairs_per_block()
    {
        var options = Options(k: 128, interleave: 64) with { FecOverhead = 0.0625 };
        var firstOfMore = new StreamPart(0, 0, Last: false);

        var first = options.ForPart(firstOfMore, SpoolPartPlan.FirstPartBytes); // 731 symbols of 1436 bytes
        Assert.Equal(12, first.DataSymbolsPerBlock); // 731 / 64 blocks, rounded up
        Assert.Equal(64, first.Interleave);
        Assert.Equal(options.RepairPerPass, first.RepairPerPass);
        Assert.Equal(8, first.RepairPerPass);
        Assert.Null(UdpSendValidation.FirstProblem(first));

        // A stream of one part (a small delta), the later parts, a whole window and the other code keep the planned
        // shape: the deeper cut costs r x interleave repairs, worth it once per generation only.
        Assert.Equal(options, options.ForPart(new StreamPart(0, 0, Last: true), SpoolPartPlan.FirstPartBytes));
        Assert.Equal(options, options.ForPart(new StreamPart(1, SpoolPartPlan.FirstPartBytes, Last: false), 2 << 20));
        Assert.Equal(options, options.ForPart(firstOfMore, SpoolPartPlan.For(options).WindowBytes));
        var rs16 = options with { Code = FecCode.ReedSolomon16, DataSymbolsPerBlock = 992, FecOverhead = 0.024, Interleave = 42 };
        Assert.Equal(rs16, rs16.ForPart(firstOfMore, SpoolPartPlan.FirstPartBytes));
    }

    [Fact]
    public async Task Parts_follow_each_other_cover_the_stream_and_carry_the_hash_of_their_bytes()
    {
        var plan = SpoolPartPlan.For(Options(k: 16, interleave: 1));
        var file = new MemoryStream();
        var parts = new List<SpooledPart>();
        var cutter = new PartCuttingStream(file, plan, (part, _) => { parts.Add(part); return ValueTask.CompletedTask; });
        var random = new Random(7);
        long total = 0;
        while (total < 9 << 20)
        {
            var piece = new byte[random.Next(1, 300 << 10)];
            random.NextBytes(piece);
            await cutter.WriteAsync(piece);
            total += piece.Length;
        }

        parts.Add(cutter.FinishLast());

        // The same cut is found again from the length alone (what the carousel sends from the spool).
        Assert.Equal(parts.Select(p => (p.Place, p.Length)), plan.Cut(total).Select(c => (c.Place, c.Length)));
        var bytes = file.ToArray();
        Assert.Equal(total, bytes.Length);
        Assert.True(parts.Count >= 3, $"9 MiB should make several parts, got {parts.Count}");
        long offset = 0;
        for (int i = 0; i < parts.Count; i++)
        {
            var part = parts[i];
            Assert.Equal(new StreamPart(i, offset, i == parts.Count - 1), part.Place);
            Assert.True(part.Length > 0);
            Assert.True(i == parts.Count - 1 ? part.Length <= plan.TargetBytes(i) : part.Length == plan.TargetBytes(i), $"part {i} is {part.Length} bytes");
            Assert.Equal(SHA256.HashData(bytes.AsSpan((int)offset, (int)part.Length)), part.Sha256);
            offset += part.Length;
        }

        Assert.Equal(total, offset);
    }

    [Fact]
    public async Task A_stream_that_fills_its_first_part_exactly_is_one_last_part()
    {
        var plan = SpoolPartPlan.For(Options(k: 128, interleave: 64));
        var cutter = new PartCuttingStream(new MemoryStream(), plan, (_, _) => throw new InvalidOperationException("no part should close early"));
        await cutter.WriteAsync(new byte[] { 1, 2, 3 });
        await cutter.WriteAsync(new byte[plan.TargetBytes(0) - 3]); // exactly full: closed only when a next byte comes

        var only = cutter.FinishLast();

        Assert.Equal(new StreamPart(0, 0, Last: true), only.Place);
        Assert.Equal(plan.TargetBytes(0), only.Length);
        Assert.Throws<NotSupportedException>(() => cutter.Write([4]));
    }
}
