using Sync.Core;
using Sync.Core.Apply;

namespace Sync.Transport.Udp.Tests;

/// <summary>
/// The inside's receive service with a generation sent in parts, the receiver played by the test (it asks
/// <see cref="UdpReceiveService.WantsSession"/> and hands over finished sessions): real signed streams, a real inside
/// state and target. The apply starts with part 0 and publishes once, whatever order the parts come in; a part that
/// never comes publishes nothing and leaves the stream waiting until it does.
/// </summary>
public sealed class UdpReceiveServicePartsTests : IDisposable
{
    private readonly SignedGenerations _generations = new();
    private readonly StringWriter _output = new();

    public void Dispose() => _generations.Dispose();

    [Fact]
    public async Task Parts_that_come_out_of_order_are_applied_as_they_come_and_published_once()
    {
        var (signed, header, bytes) = await _generations.NextAsync();
        var parts = SignedGenerations.Cut(signed, bytes, 100, bytes.Length / 2);
        using var inside = await _generations.InsideAsync(_output, TimeSpan.FromMinutes(5));
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(5));

        await _generations.DeliverAsync(inside.Service, parts[2].Descriptor, parts[2].Bytes);
        var applying = inside.Service.ApplyLoopAsync(untilPublished: true, stop.Token);
        await _generations.DeliverAsync(inside.Service, parts[0].Descriptor, parts[0].Bytes);
        Assert.False(inside.Service.WantsSession(parts[0].Descriptor)); // held already
        await _generations.DeliverAsync(inside.Service, parts[1].Descriptor, parts[1].Bytes);
        await applying;

        Assert.Equal(1, inside.Service.PublishedCount);
        Assert.Equal(1, inside.State.Published.Generation);
        Assert.Equal("package a, version 1", File.ReadAllText(Path.Combine(_generations.Target, "pool/main/a.deb")));
        Assert.Equal(0, inside.Inbox.Count);
        Assert.False(inside.Service.WantsSession(parts[1].Descriptor)); // applied: a replay now
        var lines = _output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"received generation 1 (full) part 2: {parts[2].Bytes.Length} bytes, checksummed", lines[0]);
        Assert.Single(lines, l => l.StartsWith("generation 1 published (was 0)", StringComparison.Ordinal));
        Assert.Equal(header.StreamIdHex, Assert.Single(inside.State.ReadStatus()!.Applied));
    }

    [Fact]
    public async Task A_stream_whose_middle_part_does_not_come_publishes_nothing_waits_and_is_applied_once_it_comes()
    {
        var first = await _generations.NextAsync();
        _generations.Write("pool/main/b.deb", "package b");
        var (signed, _, bytes) = await _generations.NextAsync();
        var parts = SignedGenerations.Cut(signed, bytes, 50, bytes.Length / 2);
        using var inside = await _generations.InsideAsync(_output, TimeSpan.FromMilliseconds(200));
        await _generations.DeliverAsync(inside.Service, UdpDescriptor.Encode(first.Signed), first.Bytes);
        await inside.Service.ApplyReadyAsync(CancellationToken.None);
        Assert.Equal(1, inside.State.Published.Generation);

        await _generations.DeliverAsync(inside.Service, parts[0].Descriptor, parts[0].Bytes);
        await _generations.DeliverAsync(inside.Service, parts[2].Descriptor, parts[2].Bytes);
        await inside.Service.ApplyReadyAsync(CancellationToken.None);

        Assert.Equal(1, inside.State.Published.Generation);
        Assert.False(File.Exists(Path.Combine(_generations.Target, "pool/main/b.deb")));
        Assert.Equal("package a, version 1", File.ReadAllText(Path.Combine(_generations.Target, "pool/main/a.deb")));
        var staging = Path.Combine(_generations.InsideState, "staging", "incoming");
        Assert.True(!Directory.Exists(staging) || !Directory.EnumerateFileSystemEntries(staging).Any());
        Assert.Equal([0, 2], Assert.Single(inside.Inbox.PartialStreams()).Indices);
        Assert.Equal(
            ["UDP generation 2 (delta from 1) part 1 did not arrive within 0.2 s; the stream is applied again when it does"],
            inside.State.ReadStatus()!.Pending);

        // Another round before the part is here does not wait for it again.
        await inside.Service.ApplyReadyAsync(CancellationToken.None);
        Assert.Equal(["UDP generation 2 (delta from 1) part 1 has not arrived; the stream is applied when it does"], inside.State.ReadStatus()!.Pending);
        Assert.Contains(inside.Service.InboxNotes(), n => n.Reason == "generation 2 (delta from 1) waits in the inbox, 2 of its parts here");

        await _generations.DeliverAsync(inside.Service, parts[1].Descriptor, parts[1].Bytes);
        await inside.Service.ApplyReadyAsync(CancellationToken.None);

        Assert.Equal(2, inside.State.Published.Generation);
        Assert.Equal("package b", File.ReadAllText(Path.Combine(_generations.Target, "pool/main/b.deb")));
        Assert.Equal(0, inside.Inbox.Count);
        Assert.Empty(inside.State.ReadStatus()!.Pending);
    }

    [Fact]
    public async Task A_whole_stream_and_its_parts_both_arriving_publish_the_generation_once()
    {
        var (signed, _, bytes) = await _generations.NextAsync();
        var parts = SignedGenerations.Cut(signed, bytes, 100);
        using var inside = await _generations.InsideAsync(_output, TimeSpan.FromMinutes(5));

        await _generations.DeliverAsync(inside.Service, parts[0].Descriptor, parts[0].Bytes);
        var applying = inside.Service.ApplyReadyAsync(CancellationToken.None); // waits for part 1
        await _generations.DeliverAsync(inside.Service, UdpDescriptor.Encode(signed), bytes);
        await applying;
        Assert.Equal(0, inside.Service.PublishedCount); // the parts' apply gave way; the next round takes the stream
        await inside.Service.ApplyReadyAsync(CancellationToken.None);

        Assert.Equal(1, inside.Service.PublishedCount);
        Assert.Equal(1, inside.State.Published.Generation);
        Assert.Equal(0, inside.Inbox.Count);
        Assert.Empty(inside.State.ReadStatus()!.Refused);
    }
}
