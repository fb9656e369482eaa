using Sync.Core.Hashing;
using Sync.Core.Streams;
using Sync.Core.Trust;

namespace Sync.Transport.Udp.Tests;

/// <summary>
/// An inbox in a test's own folder, and the parts of one stream (generation 7, a delta from 5) added to it as the
/// receive service adds finished part sessions. The descriptors' signatures are not real: the inbox never checks them.
/// </summary>
internal sealed class PartsInbox : IDisposable
{
    public const string StreamIdHex = "0123456789abcdef0123456789abcdef";

    private readonly TempDirectory _temp = new();
    private int _objects;

    public PartsInbox() => Inbox = new UdpInbox(UdpInbox.DirectoryOf(_temp.Path));

    public static SignedPayload Signed { get; } = new([1], [2], [3]);

    public DeltaHeader Header { get; } = HeaderOf(7, 5);

    public UdpInbox Inbox { get; }

    public UdpPartFile AddPart(StreamPart place, int length) => AddPart(place, RandomBytes(length));

    public UdpPartFile AddPart(StreamPart place, byte[] bytes) => Inbox.AddPart(Header, place, Object(bytes), UdpDescriptor.EncodePart(Signed, place));

    /// <summary>A finished session's file, as the receiver leaves it for the service to move.</summary>
    public string Object(int length) => Object(RandomBytes(length));

    public static DeltaHeader HeaderOf(long generation, long baseGeneration, string streamIdHex = StreamIdHex) => new(
        DeltaHeader.SlicedManifestFormat, Convert.FromHexString(streamIdHex), generation, Digest.Compute([1]), 1, baseGeneration,
        baseGeneration == 0 ? Digest.Empty : Digest.Compute([2]), DateTimeOffset.UnixEpoch, 0, 0);

    public static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    public void Dispose() => _temp.Dispose();

    private string Object(byte[] bytes)
    {
        var path = Path.Combine(_temp.Path, $"object-{++_objects}");
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
