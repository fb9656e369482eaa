using Sync.Core.Manifests;
using Sync.Protocol;

namespace Sync.Fuzz.Targets;

/// <summary>
/// A manifest (what the manifest slices of a stream add up to, and the published manifest the inside reloads) through
/// <see cref="ProtobufWireCodec.ParseManifest"/> with the production limits and the domain validator. A manifest the
/// inside accepts must serialize again to bytes that parse to the same manifest: the inside saves and reloads it.
/// </summary>
internal sealed class ManifestTarget : FuzzTarget
{
    public override string Name => "manifest";

    public override string Decodes => "a manifest: ProtobufWireCodec.ParseManifest with ManifestLimits.Default, then ManifestValidator";

    protected override Task ExerciseAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken)
    {
        var codec = ProtobufWireCodec.Instance;
        var manifest = codec.ParseManifest(input, ManifestLimits.Default);
        var again = codec.SerializeManifest(manifest);
        var reparsed = codec.ParseManifest(again, ManifestLimits.Default);
        if (!codec.SerializeManifest(reparsed).AsSpan().SequenceEqual(again) || reparsed.Entries.Count != manifest.Entries.Count)
        {
            throw new FuzzFinding("an accepted manifest does not survive being saved and reloaded");
        }

        return Task.CompletedTask;
    }
}
