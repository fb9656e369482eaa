using Microsoft.Extensions.Logging.Abstractions;
using Sync.Core;
using Sync.Core.Apply;
using Sync.Core.Export;
using Sync.Core.Streams;
using Sync.Core.Trust;
using Sync.Engine.Inside;
using Sync.Protocol;

namespace Sync.Transport.Udp.Tests;

/// <summary>
/// A test's outside and inside without a network: a source tree exported by the real exporter and signed by a real
/// key into the stream bytes `send` spools, and an inside state, target and <see cref="UdpReceiveService"/> that
/// receive them as the receiver hands over finished sessions (whole or in parts). One folder per test, deleted afterwards.
/// </summary>
internal sealed class SignedGenerations : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly SigningKey _key;
    private int _received;

    public SignedGenerations()
    {
        SigningKey.Generate(P("key"));
        _key = SigningKey.Load(P("key"));
        Write("dists/stable/Release", "Suite: stable\n");
        Write("pool/main/a.deb", "package a, version 1");
    }

    public ProtobufWireCodec Codec { get; } = new();

    public string InsideState => P("in");

    public string Target => P("target");

    public string Spool => Directory.CreateDirectory(P("spool")).FullName;

    public string P(string name) => Path.Combine(_temp.Path, name);

    public void Write(string relative, string text)
    {
        var path = Path.Combine(P("src"), relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    public TrustStore Trust() => TrustStore.Load([P("key.pub")]);

    /// <summary>The next generation of the source tree: its signed header and the stream's bytes, recorded as sent.</summary>
    public async Task<(SignedPayload Signed, DeltaHeader Header, byte[] Bytes)> NextAsync()
    {
        using var state = OutsideState.Open(P("out"));
        var exporter = new DeltaExporter(Codec, NullLogger.Instance, TimeProvider.System);
        using var prepared = await exporter.PrepareAsync(P("src"), state, _key, new ExportOptions(), new OperationProgress(), CancellationToken.None);
        using var bytes = new MemoryStream();
        await using (var writer = PipeFrameWriter.Create(bytes, leaveOpen: true))
        {
            prepared.RecordSent(state);
            await prepared.EmitAsync(writer, new OperationProgress(), CancellationToken.None);
            await writer.FlushAsync(CancellationToken.None);
        }

        prepared.Commit(state, DateTimeOffset.UtcNow);
        return (prepared.SignedHeader, prepared.Header, bytes.ToArray());
    }

    /// <summary>A receive service over the inside state; the caller disposes the trust stores and the state it returns.</summary>
    public async Task<Inside> InsideAsync(StringWriter output, TimeSpan partWait)
    {
        var gate = Trust();
        var apply = Trust();
        var state = Sync.Core.Apply.InsideState.OpenForWrite(InsideState);
        var inbox = new UdpInbox(UdpInbox.DirectoryOf(InsideState));
        var service = new UdpReceiveService(
            Codec, gate, apply, state, inbox, new IntakeTarget(Target, PublishMode.Snapshot, 3), NullLogger.Instance, TimeProvider.System, TextWriter.Synchronized(output))
        {
            PartWait = partWait,
        };
        await service.PrepareAsync(CancellationToken.None);
        return new Inside(service, inbox, state, gate, apply);
    }

    /// <summary>Cuts a stream into parts at <paramref name="cuts"/> (byte offsets): part i's bytes and descriptor.</summary>
    public static IReadOnlyList<(StreamPart Place, byte[] Bytes, byte[] Descriptor)> Cut(SignedPayload signed, byte[] stream, params int[] cuts)
    {
        var starts = new[] { 0 }.Concat(cuts).ToArray();
        return starts.Select((start, i) =>
        {
            var end = i + 1 < starts.Length ? starts[i + 1] : stream.Length;
            var place = new StreamPart(i, start, Last: i + 1 == starts.Length);
            return (place, stream[start..end], UdpDescriptor.EncodePart(signed, place));
        }).ToList();
    }

    /// <summary>What the receiver does with a session that completed: asks first, then spools it and hands it over.</summary>
    public async Task DeliverAsync(UdpReceiveService service, byte[] descriptor, byte[] bytes)
    {
        Assert.True(service.WantsSession(descriptor));
        var path = Path.Combine(Spool, $"object-{Interlocked.Increment(ref _received)}");
        await File.WriteAllBytesAsync(path, bytes);
        Assert.Equal(ObjectDisposition.Applied, await service.OnCompleteAsync(new ReceivedObject(0, path, descriptor, bytes.Length), CancellationToken.None));
    }

    public void Dispose()
    {
        _key.Dispose();
        _temp.Dispose();
    }

    /// <summary>The inside of a test: its service, inbox and state, with the trust stores the service uses.</summary>
    public sealed record Inside(UdpReceiveService Service, UdpInbox Inbox, InsideState State, TrustStore Gate, TrustStore Apply) : IDisposable
    {
        public void Dispose()
        {
            State.Dispose();
            Gate.Dispose();
            Apply.Dispose();
        }
    }
}
