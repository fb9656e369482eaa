using Google.Protobuf;
using Sync.Core.Trust;
using Sync.Testing.FileSystem;
using Sync.Transport.FileDrop;
using V1 = Sync.Protocol.V1;

namespace Sync.Transport.FileDrop.Tests;

/// <summary>
/// Issue 9: a bundle index is read from a folder anyone may write to (a diode's transfer folder, removable media), so
/// its signature is checked before it is parsed in full: a forged index of millions of empty part entries must cost
/// what its bytes cost, not a heap object per entry.
/// </summary>
public sealed class BundleIndexLimitsTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly TrustStore _trust;

    public BundleIndexLimitsTests()
    {
        SigningKey.Generate(_temp.Combine("outside.key"));
        _trust = TrustStore.Load([_temp.Combine("outside.key.pub")]);
    }

    public void Dispose()
    {
        _trust.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public void A_forged_index_of_empty_parts_is_refused_before_its_parts_are_parsed()
    {
        // 2 million part entries of 2 bytes each (field 4, length 0): 4 MiB on disk.
        const int parts = 2_000_000;
        var payload = new byte[parts * 2];
        for (var i = 0; i < payload.Length; i += 2)
        {
            payload[i] = 0x22;
        }

        var envelope = new V1.Signed { Payload = ByteString.CopyFrom(payload), KeyId = ByteString.CopyFrom(new byte[8]), Signature = ByteString.CopyFrom(new byte[64]) };
        var path = _temp.Combine("sync-g00000002-b00000001-000000000000.index");
        File.WriteAllBytes(path, [.. "SYNCIDX1"u8, .. envelope.ToByteArray()]);
        var fileBytes = new FileInfo(path).Length;

        var before = GC.GetAllocatedBytesForCurrentThread();
        var listing = BundleCatalog.Read(path, _trust);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.False(listing.IsValid);
        Assert.Contains("not trusted", listing.Error);
        Assert.True(allocated < 4 * fileBytes, $"reading a {fileBytes}-byte forged index allocated {allocated} bytes");
    }
}
