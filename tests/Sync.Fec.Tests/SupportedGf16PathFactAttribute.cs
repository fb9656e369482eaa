using Sync.Fec.Internal;

namespace Sync.Fec.Tests;

/// <summary>The fact form of <see cref="SupportedGf16PathTheoryAttribute"/>: skipped, not passed, where the CPU lacks the path.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SupportedGf16PathFactAttribute : FactAttribute
{
    public SupportedGf16PathFactAttribute(string path)
    {
        if (!Gf16Paths.IsSupported(Enum.Parse<Gf16Path>(path)))
        {
            Skip = $"this CPU lacks the instructions of the GF(2^16) {path} path";
        }
    }
}
