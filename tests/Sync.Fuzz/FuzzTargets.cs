using Sync.Fuzz.Targets;

namespace Sync.Fuzz;

/// <summary>Every fuzz target, by the name scripts/fuzz.sh and the corpus folders use.</summary>
internal static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new FrameTarget(),
        new FrameStreamTarget(),
        new ManifestTarget(),
        new HeaderTarget(),
        new PatchTarget(),
        new BundleIndexTarget(),
        new BundleTarget(),
        new UdpDatagramTarget(),
        new UdpSessionStateTarget(),
        new InsideStateTarget(),
        new OutsideStateTarget(),
        new ScanCacheTarget(),
        new SignatureStoreTarget(),
        new GrpcInsideTarget(),
        new GrpcOutsideTarget(),
    ];

    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);
}
