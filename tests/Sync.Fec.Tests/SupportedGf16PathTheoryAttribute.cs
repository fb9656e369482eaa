using Sync.Fec.Internal;

namespace Sync.Fec.Tests;

/// <summary>
/// A theory that runs only where the CPU has the GF(2^16) kernel path, and is reported as skipped (not passed)
/// elsewhere, so a missing instruction set is visible in the test summary.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SupportedGf16PathTheoryAttribute : TheoryAttribute
{
    public SupportedGf16PathTheoryAttribute(string path)
    {
        if (!Gf16Paths.IsSupported(Enum.Parse<Gf16Path>(path)))
        {
            Skip = $"this CPU lacks the instructions of the GF(2^16) {path} path";
        }
    }
}
