using Sync.Fec.Internal;

namespace Sync.Fec.Tests;

/// <summary>
/// A theory that runs only where the CPU has the kernel path, and is reported as skipped (not passed) elsewhere,
/// so a missing instruction set is visible in the test summary.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SupportedPathTheoryAttribute : TheoryAttribute
{
    public SupportedPathTheoryAttribute(string path)
    {
        var kernelPath = Enum.Parse<KernelPath>(path);
        if (!KernelPaths.IsSupported(kernelPath))
        {
            Skip = $"this CPU lacks the instructions of the {path} path";
        }
    }
}
