using System.Buffers.Binary;
using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp.Tests;

/// <summary>
/// The GF(2^16) code in the carrier's pure parts: the ticket that names it, the symbol ids each pass sends, the resume
/// record, the sender's shape checks. The loopback tests send with it.
/// </summary>
public sealed class LargeBlockCodeUnitTests
{
    private const int SymbolSize = 1408;

    private static AnnounceInfo Info(FecCode code, int k, int repair, long length = 50_000_000) =>
        new(0xabcdef, length, [.. Enumerable.Range(0, 32).Select(i => (byte)i)], k, SymbolSize,
            new ObjectLayout(length, SymbolSize, k, code).BlockCount, 2, repair, [9, 8, 7], code, code == FecCode.ReedSolomon8 ? 0 : 3);

    [Fact]
    public void A_GF16_ticket_is_format_3_names_its_code_and_round_trips()
    {
        AnnounceInfo info = Info(FecCode.ReedSolomon16, 15360, 1009);
        byte[] sealedTicket = TicketCodec.Seal(info, TestTickets.Signer, out int sealLength);

        // Format 3: a receiver that reads only format 2 refuses it by its version, in one line, before anything else.
        Assert.Equal(TicketCodec.CodedVersion, BinaryPrimitives.ReadUInt16LittleEndian(sealedTicket.AsSpan(16)));
        Assert.Null(TicketCodec.TryParse(sealedTicket, sealLength, info.SessionId, SymbolSize, out AnnounceInfo parsed));
        Assert.Equal(FecCode.ReedSolomon16, parsed.Code);
        Assert.True(parsed.SameObject(info));
        Assert.Equal((15360, 1009, 2, 3), (parsed.K, parsed.RepairPerPass, parsed.Passes, parsed.Interleave));
        Assert.Equal(info.Descriptor, parsed.Descriptor);
        Assert.Null(TestTickets.Verifier(TicketCodec.Ticket(sealedTicket, sealLength), TicketCodec.SealOf(sealedTicket, sealLength)));
    }

    [Fact]
    public void A_GF8_ticket_stays_format_2_so_every_receiver_still_reads_it()
    {
        byte[] sealedTicket = TicketCodec.Seal(Info(FecCode.ReedSolomon8, 128, 32), TestTickets.Signer, out _);
        Assert.Equal(TicketCodec.Version, BinaryPrimitives.ReadUInt16LittleEndian(sealedTicket.AsSpan(16)));
    }

    [Theory]
    [InlineData(7, "erasure code 7, which this receiver cannot decode: upgrade sync-inside")]
    [InlineData(0, "erasure code 0")] // GF(2^8) travels in format 2 only
    public void An_unknown_code_is_refused_with_one_line_that_says_what_to_do(int code, string expected)
    {
        byte[] ticket = TicketCodec.Seal(Info(FecCode.ReedSolomon16, 15360, 1009), TestTickets.Signer, out int sealLength);
        BinaryPrimitives.WriteUInt16LittleEndian(ticket.AsSpan(80), (ushort)code);
        Assert.Contains(expected, TicketCodec.TryParse(ticket, sealLength, 0xabcdef, SymbolSize, out _));
    }

    [Fact]
    public void A_newer_format_is_refused_naming_the_side_to_upgrade()
    {
        byte[] ticket = TicketCodec.Seal(Info(FecCode.ReedSolomon16, 15360, 1009), TestTickets.Signer, out int sealLength);
        BinaryPrimitives.WriteUInt16LittleEndian(ticket.AsSpan(16), 4);
        Assert.Contains("format 4; this receiver reads formats 2 and 3: the sender is newer, upgrade sync-inside", TicketCodec.TryParse(ticket, sealLength, 0xabcdef, SymbolSize, out _));
    }

    [Theory]
    [InlineData(15360, 1009, SymbolSize, null)]
    [InlineData(64512, 1024, SymbolSize, null)]                // k + W = 65536 exactly
    [InlineData(64513, 1024, SymbolSize, "impossible cut")]    // one more than the field
    [InlineData(15360, 1009, 1436, "impossible cut")]          // not a multiple of 64
    [InlineData(1, 0, SymbolSize, "blocks")]                     // 1 TiB in blocks of one symbol: too many blocks of 8 KiB state
    public void GF16_cuts_are_checked_against_the_code(int k, int repair, int symbol, string? expected)
    {
        long length = expected == "blocks" ? 1L << 40 : 50_000_000;
        var info = new AnnounceInfo(0xabcdef, length, new byte[32], k, symbol, ((length + symbol - 1) / symbol + k - 1) / k, 1, repair, [], FecCode.ReedSolomon16, 1);
        byte[] ticket = TicketCodec.Seal(info, TestTickets.Signer, out int sealLength);
        string? refused = TicketCodec.TryParse(ticket, sealLength, 0xabcdef, symbol, out _);
        if (expected is null)
        {
            Assert.Null(refused);
        }
        else
        {
            Assert.Contains(expected, refused);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4097)]
    public void A_GF16_ticket_without_a_possible_interleave_is_refused(int interleave)
    {
        byte[] ticket = TicketCodec.Seal(Info(FecCode.ReedSolomon16, 15360, 1009), TestTickets.Signer, out int sealLength);
        BinaryPrimitives.WriteUInt16LittleEndian(ticket.AsSpan(82), (ushort)interleave);
        Assert.Contains($"interleave {interleave} is not 1..4096", TicketCodec.TryParse(ticket, sealLength, 0xabcdef, SymbolSize, out _));
    }

    [Theory]
    [InlineData(769)] // 19 windows of 40 and 41 blocks
    [InlineData(36)]  // one window of 36
    [InlineData(3)]   // an object of three blocks
    [InlineData(840)] // 20 full windows: exactly the plan
    public void A_GF16_window_shorter_than_the_interleave_gets_the_repairs_a_burst_costs_it(int blocks)
    {
        // The plan for 1 % loss in periodic bursts of 1000 at 1 Gbit/s: k = 992, r = 24, interleave 42 (fec-plan).
        const int k = 992, r = 24, interleave = 42, burst = 1000;
        var layout = new ObjectLayout((long)blocks * k * 64 - 100, 64, k, FecCode.ReedSolomon16);
        var schedule = new SymbolSchedule(layout, r, interleave);
        foreach (int pass in (int[])[1, 2])
        {
            var order = new List<SymbolRef>();
            for (long w = 0; w < schedule.WindowCount; w++)
            {
                schedule.Fill(pass, w, order);
            }

            Assert.Equal(schedule.PacketsPerPass, order.Count);
            for (int start = 0; start + burst <= order.Count; start += 97)
            {
                foreach (var lost in order.Skip(start).Take(burst).GroupBy(s => s.Block))
                {
                    Assert.True(lost.Count() <= schedule.Repairs(lost.Key), $"a burst at {start} costs block {lost.Key} {lost.Count()} symbols, more than its {schedule.Repairs(lost.Key)} repairs");
                }
            }
        }

        double overhead = (double)schedule.PacketsPerPass / layout.SymbolCount - 1;
        if (blocks >= 700)
        {
            Assert.InRange(overhead, 0.024, 0.03); // the plan's 2.42 %, a little more for evened windows, within the 3 % target
        }

        Assert.Equal(schedule.MaxWindowPackets, Enumerable.Range(0, (int)schedule.WindowCount).Max(w => schedule.WindowPackets(w)));
    }

    [Fact]
    public void GF8_blocks_keep_their_repair_count_in_any_window()
    {
        var layout = new ObjectLayout(130L * 128 * 100, 100, 128);
        var schedule = new SymbolSchedule(layout, 32, 64);
        Assert.All(Enumerable.Range(0, 130), b => Assert.Equal(32, schedule.Repairs(b)));
        Assert.Equal(layout.SymbolCount + 130 * 32, schedule.PacketsPerPass);
    }

    [Fact]
    public void The_largest_GF16_object_in_the_planned_cut_fits_the_receivers_state_bound()
    {
        AnnounceInfo info = Info(FecCode.ReedSolomon16, 15360, 1009, length: 1L << 40);
        Assert.InRange(ReceiveSession.StateBytes(info), 1, SessionTable.DefaultMaxStateBytes);
    }

    [Fact]
    public void Each_pass_sends_fresh_ids_data_and_first_repairs_then_repairs_past_the_first_window()
    {
        var layout = new ObjectLayout(10L * 3000 * 64 + 5 * 64, 64, 3000, FecCode.ReedSolomon16); // 10 full blocks and a short one of 5
        var schedule = new SymbolSchedule(layout, 200, 4);
        var seen = new Dictionary<long, HashSet<int>>();
        for (int pass = 1; pass <= 3; pass++)
        {
            for (long w = 0; w < schedule.WindowCount; w++)
            {
                var order = new List<SymbolRef>();
                schedule.Fill(pass, w, order);
                foreach (SymbolRef s in order)
                {
                    int k = layout.DataSymbols(s.Block);
                    Assert.InRange(s.Symbol, 0, schedule.IdSpace(s.Block) - 1);
                    Assert.True(seen.TryAdd(s.Block, [s.Symbol]) || seen[s.Block].Add(s.Symbol), $"pass {pass} repeats symbol {s.Symbol} of block {s.Block}");
                    if (pass == 1)
                    {
                        Assert.True(s.Symbol < k + schedule.Repairs(s.Block), "pass 1 sends the data and the first repairs");
                    }
                    else
                    {
                        Assert.True(s.Symbol >= k, "a later pass sends repairs only while fresh ones last");
                    }

                    Assert.Equal(s.Symbol, schedule.SymbolId(s.Block, pass, schedule.SlotOf(s.Block, pass, s.Symbol)));
                }
            }
        }

        // Windows of 4, 4 and 3 blocks: the short one's blocks get ceil(200 x 4 / 3) repairs per pass.
        Assert.Equal((200, 267), (schedule.Repairs(0), schedule.Repairs(10)));

        // W = 256, N = 4096 for k = 3000: ids run to k + 256 + 65536 - 4096.
        Assert.Equal(3000 + 256 + 65536 - 4096, schedule.IdSpace(0));
        Assert.Equal(5 + 256 + 65536 - 512, schedule.IdSpace(10));
    }

    [Fact]
    public void Ids_wrap_to_the_data_once_every_repair_id_was_sent()
    {
        var layout = new ObjectLayout(64L * 60000, 64, 60000, FecCode.ReedSolomon16); // one block, W = 4096, N = 65536: 4096 repair ids
        var schedule = new SymbolSchedule(layout, 4096, 1);
        Assert.Equal(64096, schedule.IdSpace(0));
        Assert.Equal(64095, schedule.SymbolId(0, 1, 64095)); // pass 1 uses every id
        Assert.Equal(0, schedule.SymbolId(0, 2, 0));         // so pass 2 starts again at the data
        Assert.Equal(0, schedule.SlotOf(0, 2, 0));
    }

    [Fact]
    public void The_resume_record_keeps_the_code_and_its_repair_count()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "state");
        AnnounceInfo info = Info(FecCode.ReedSolomon16, 15360, 1009);
        using (SessionStateFile.Open(path, info, new byte[info.BlockCount * info.Layout().BitmapBytes], out bool resumed))
        {
            Assert.False(resumed);
        }

        AnnounceInfo read = SessionStateFile.ReadInfo(path)!;
        Assert.Equal((FecCode.ReedSolomon16, 1009), (read.Code, read.RepairPerPass));
        Assert.True(read.SameObject(info));

        // Another first-pass repair count is another code: the spool is not reused.
        AnnounceInfo other = info with { RepairPerPass = 2000 };
        Assert.False(other.SameObject(info));
        using (SessionStateFile.Open(path, other, new byte[other.BlockCount * other.Layout().BitmapBytes], out bool resumed))
        {
            Assert.False(resumed);
        }
    }

    [Theory]
    [InlineData(FecCode.ReedSolomon8, 1500, 1436)]
    [InlineData(FecCode.ReedSolomon16, 1500, 1408)]
    [InlineData(FecCode.ReedSolomon16, 9000, 8896)]
    public void The_symbol_is_the_longest_the_code_can_use_in_the_MTU(FecCode code, int mtu, int symbol)
    {
        var options = TestTickets.Send(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 9), 1_000_000) with { Code = code, Mtu = mtu, DataSymbolsPerBlock = 100, FecOverhead = 0.1 };
        options.Validate();
        Assert.Equal(symbol, options.SymbolSize);
        Assert.Equal(PacketCodec.DatagramSize(symbol, mac: false), options.DatagramSize);
        Assert.True(options.DatagramSize <= mtu - 28);
    }

    [Theory]
    [InlineData(15360L * 1408 - 1, FecCode.ReedSolomon8)]
    [InlineData(15360L * 1408, FecCode.ReedSolomon16)]
    public void An_object_smaller_than_one_GF16_block_is_sent_in_the_small_object_shape(long length, FecCode expected)
    {
        var options = TestTickets.Send(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 9), 1_000_000) with
        {
            Code = FecCode.ReedSolomon16, DataSymbolsPerBlock = 15360, FecOverhead = 1009.0 / 15360, Interleave = 1,
            SmallObjects = new FecShape(FecCode.ReedSolomon8, 100, 0.3, 16),
        };
        options.Validate();
        UdpSendOptions sent = options.ForObject(length);
        Assert.Equal(expected, sent.Code);
        Assert.Equal(expected == FecCode.ReedSolomon8 ? (100, 0.3, 16) : (15360, 1009.0 / 15360, 1), (sent.DataSymbolsPerBlock, sent.FecOverhead, sent.Interleave));
        sent.Validate();

        // A small-object shape that is no shape of its code is refused up front, not at the first small object.
        var bad = options with { SmallObjects = new FecShape(FecCode.ReedSolomon8, 200, 0.5, 16) };
        Assert.Contains("k + repair at most 256", Assert.Throws<ArgumentException>(bad.Validate).Message);
    }

    [Theory]
    [InlineData(FecCode.ReedSolomon8, 200, 0.5, "k + repair at most 256")]
    [InlineData(FecCode.ReedSolomon16, 60000, 0.1, "power of two at most 65536")]
    [InlineData(FecCode.ReedSolomon16, 15360, 0.0657, null)]
    public void The_sender_checks_the_shape_against_its_code(FecCode code, int k, double overhead, string? expected)
    {
        var options = TestTickets.Send(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 9), 1_000_000) with { Code = code, DataSymbolsPerBlock = k, FecOverhead = overhead };
        if (expected is null)
        {
            options.Validate();
            Assert.Null(options.ShapeError());
        }
        else
        {
            Assert.Contains(expected, Assert.Throws<ArgumentException>(options.Validate).Message);
        }
    }
}
