using Microsoft.Extensions.Time.Testing;
using System.Threading.Channels;
using Sync.Transport.Udp.Internal;
using Xunit.Abstractions;

namespace Sync.Transport.Udp.Tests;

/// <summary>
/// The decode loop fed crafted datagrams directly (no socket): what forged, replayed and oversized announces cost
/// and what they can never achieve. Spools go to the test's own directory.
/// </summary>
public sealed class ReceiveDecoderUnitTests(ITestOutputHelper output) : IDisposable
{
    private const int SymbolSize = 1000;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Spool => Path.Combine(_dir.Path, "spool");

    private static AnnounceInfo Info(ulong session, long length, int k = 100) =>
        new(session, length, new byte[32], k, SymbolSize, new ObjectLayout(length, SymbolSize, k).BlockCount, 1, 25, [(byte)session]);

    /// <summary>The announce datagrams of <paramref name="info"/>'s ticket sealed by <paramref name="signer"/>, sent as session <paramref name="announcedAs"/>.</summary>
    private static byte[][] Announce(AnnounceInfo info, SessionSigner? signer = null, ulong? announcedAs = null)
    {
        byte[] sealedTicket = TicketCodec.Seal(info, signer ?? TestTickets.Signer, out int sealLength);
        return AnnounceCodec.BuildDatagrams(announcedAs ?? info.SessionId, sealedTicket, sealLength, 1, SymbolSize, null);
    }

    private List<string> SessionFolders() => Directory.Exists(Spool) ? [.. Directory.GetDirectories(Spool).Select(d => Path.GetFileName(d))] : [];

    private sealed class Harness : IAsyncDisposable
    {
        private readonly Channel<ReceivedBatch> _queue = Channel.CreateUnbounded<ReceivedBatch>();
        private readonly ReceivedBatchPool _pool = new();
        private readonly ReceiveDecoder _decoder;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _run;

        public Harness(UdpReceiveOptions options, ITestOutputHelper output, TimeProvider? time = null, FinishedSessions? finished = null)
        {
            Directory.CreateDirectory(options.SpoolDirectory);
            time ??= TimeProvider.System;
            _decoder = new ReceiveDecoder(options, (_, _) => Task.FromResult(ObjectDisposition.Applied), finished ?? FinishedSessions.Load(options.SpoolDirectory),
                new SpoolBudget(options.SpoolDirectory, options.SpoolMaxBytes), Stats, new TestLogger(output, "decode"), time, BlockCodecs.Production);
            _run = Task.Run(() => _decoder.RunAsync(_queue.Reader, _stop.Token));
        }

        public UdpReceiverStats Stats { get; } = new();

        public void Feed(IEnumerable<byte[]> datagrams)
        {
            ReceivedBatch batch = _pool.Rent();
            foreach (byte[] datagram in datagrams)
            {
                Assert.Equal(PacketStatus.Ok, PacketCodec.TryOpen(datagram, null, out PacketHeader header));
                batch.Add(header, datagram);
            }

            Assert.True(_queue.Writer.TryWrite(batch));
        }

        /// <summary>Waits until the loop has taken everything fed so far (a tick queued behind it has run).</summary>
        public async Task DrainAsync()
        {
            Assert.True(_queue.Writer.TryWrite(ReceivedBatch.Tick));
            var deadline = DateTime.UtcNow + Patience;
            while (_queue.Reader.Count > 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "the decode loop did not drain");
                Assert.False(_run.IsCompleted, _run.Exception?.ToString() ?? "the decode loop ended");
                await Task.Delay(10);
            }

            // The item taken last may still be in hand: one more round trip.
            Assert.True(_queue.Writer.TryWrite(ReceivedBatch.Tick));
            while (_queue.Reader.Count > 0)
            {
                await Task.Delay(10);
            }

            await Task.Delay(50);
            Assert.False(_run.IsCompleted, _run.Exception?.ToString() ?? "the decode loop ended");
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _run.WaitAsync(Patience));
            await _decoder.DisposeAsync();
            _stop.Dispose();
        }
    }

    [Fact]
    public async Task A_hundred_forged_sessions_cost_no_spool_and_the_real_session_is_admitted_after_them()
    {
        await using var harness = new Harness(TestTickets.Receive(Ports.FreeLoopback(), Spool), output);
        AnnounceInfo real = Info(0xAAAA, 5_000_000);
        for (ulong i = 0; i < 100; i++)
        {
            // Signed by a key nobody trusts, and the real outside's own ticket replayed under other session ids.
            harness.Feed(Announce(Info(0xF000 + i, 1_000_000), TestTickets.ForeignSigner));
            harness.Feed(Announce(real, announcedAs: 0xE000 + i));
        }

        await harness.DrainAsync();
        Assert.Equal(200, harness.Stats.AnnouncesRejected);
        Assert.Equal(0, harness.Stats.SessionsActive);
        Assert.Empty(SessionFolders());

        harness.Feed(Announce(real));
        await harness.DrainAsync();
        Assert.Equal(1, harness.Stats.SessionsActive);
        Assert.Equal([$"session-{0xAAAA:x16}"], SessionFolders());
        Assert.Equal(0, harness.Stats.Faults);
    }

    [Fact]
    public async Task A_ticket_claiming_1_TiB_in_blocks_of_one_symbol_is_rejected_even_when_signed_and_allocates_nothing()
    {
        await using var harness = new Harness(TestTickets.Receive(Ports.FreeLoopback(), Spool), output);
        const long TiB = 1L << 40;
        var huge = new AnnounceInfo(0xBAD, TiB, new byte[32], 1, SymbolSize, (TiB + SymbolSize - 1) / SymbolSize, 1, 0, []);
        harness.Feed(Announce(huge));
        harness.Feed(Announce(huge, TestTickets.ForeignSigner));
        await harness.DrainAsync();
        Assert.Equal(2, harness.Stats.AnnouncesRejected);
        Assert.Equal(0, harness.Stats.Faults);
        Assert.Empty(SessionFolders());
    }

    [Fact]
    public async Task A_replayed_ticket_of_a_finished_session_is_ignored_before_its_seal_is_even_checked()
    {
        Directory.CreateDirectory(Spool);
        var finished = FinishedSessions.Load(Spool);
        finished.Add(0x5E55, ObjectDisposition.Applied, DateTimeOffset.UnixEpoch);
        int verified = 0;
        var options = TestTickets.Receive(Ports.FreeLoopback(), Spool) with { Verifier = (t, s) => { verified++; return TestTickets.Verifier(t, s); } };
        await using var harness = new Harness(options, output, finished: finished);

        harness.Feed(Announce(Info(0x5E55, 2_000_000)));
        await harness.DrainAsync();
        Assert.Equal(0, verified);
        Assert.Equal(1, harness.Stats.IgnoredPackets);
        Assert.Empty(SessionFolders());
    }

    [Fact]
    public async Task An_exception_while_handling_an_announce_is_a_counted_fault_and_the_loop_goes_on()
    {
        int calls = 0;
        var options = TestTickets.Receive(Ports.FreeLoopback(), Spool) with
        {
            Verifier = (t, s) => ++calls == 1 ? throw new InvalidOperationException("verifier broke") : TestTickets.Verifier(t, s),
        };
        await using var harness = new Harness(options, output);

        harness.Feed(Announce(Info(1, 1_000_000)));
        harness.Feed(Announce(Info(1, 1_000_000)));
        await harness.DrainAsync();
        Assert.Equal(1, harness.Stats.Faults);
        Assert.Equal(1, harness.Stats.SessionsActive);
    }

    [Fact]
    public async Task A_session_over_the_spool_budget_is_not_admitted_but_reported_and_a_smaller_one_is()
    {
        var refused = new List<(byte[] Descriptor, string Reason)>();
        var options = TestTickets.Receive(Ports.FreeLoopback(), Spool) with
        {
            SpoolMaxBytes = 2 << 20,
            SessionNotAdmitted = (descriptor, reason) => refused.Add((descriptor.ToArray(), reason)),
        };
        await using var harness = new Harness(options, output);

        harness.Feed(Announce(Info(0xB16, 10_000_000)));
        harness.Feed(Announce(Info(0x5A11, 500_000)));
        await harness.DrainAsync();

        Assert.Equal([$"session-{0x5A11:x16}"], SessionFolders());
        Assert.Equal(1, harness.Stats.SessionsNotAdmitted);
        var (descriptor, reason) = Assert.Single(refused);
        Assert.Equal([0x16], descriptor);
        Assert.Contains("budget", reason);

        // Within the retry interval the refused session costs nothing more, not even a signature check.
        harness.Feed(Announce(Info(0xB16, 10_000_000)));
        await harness.DrainAsync();
        Assert.Single(refused);
    }

    [Fact]
    public async Task Verified_sessions_beyond_the_table_bound_close_the_least_recently_active_and_are_never_refused()
    {
        var options = TestTickets.Receive(Ports.FreeLoopback(), Spool) with { MaxOpenSessions = 4 };
        await using var harness = new Harness(options, output);
        for (ulong id = 1; id <= 10; id++)
        {
            harness.Feed(Announce(Info(id, 300_000)));
            await harness.DrainAsync();
        }

        Assert.Equal(4, harness.Stats.SessionsActive);
        Assert.Equal(6, harness.Stats.SessionsEvicted);
        Assert.Equal(0, harness.Stats.SessionsNotAdmitted);
        Assert.Equal(10, SessionFolders().Count); // every spool stays, to resume at its next announce
    }

    [Fact]
    public async Task Signature_checks_are_rationed_so_a_flood_of_forged_tickets_cannot_monopolise_the_loop()
    {
        int verified = 0;
        var time = new FakeTimeProvider();
        var options = TestTickets.Receive(Ports.FreeLoopback(), Spool) with { Verifier = (t, s) => { verified++; return TestTickets.Verifier(t, s); } };
        await using var harness = new Harness(options, output, time);

        harness.Feed(Enumerable.Range(0, 100).SelectMany(i => Announce(Info(0xF000 + (ulong)i, 1_000_000), TestTickets.ForeignSigner)));
        await harness.DrainAsync();
        Assert.Equal(32, verified);
        Assert.Equal(100, harness.Stats.AnnouncesRejected);

        // The real announce comes again every interval; once the budget refills it gets through.
        harness.Feed(Announce(Info(0xAAAA, 1_000_000)));
        await harness.DrainAsync();
        Assert.Equal(0, harness.Stats.SessionsActive);
        time.Advance(TimeSpan.FromSeconds(1));
        harness.Feed(Announce(Info(0xAAAA, 1_000_000)));
        await harness.DrainAsync();
        Assert.Equal(1, harness.Stats.SessionsActive);
    }
}
