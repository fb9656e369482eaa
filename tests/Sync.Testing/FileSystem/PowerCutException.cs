namespace Sync.Testing.FileSystem;

/// <summary>
/// Thrown by every call of a <see cref="SimulatedFileSystem"/> once its power is cut: the process is as good as dead,
/// nothing it does afterwards reaches the disk. Not an IOException, so no handler of the product mistakes it for one.
/// </summary>
public sealed class PowerCutException : Exception
{
    public PowerCutException(long step)
        : base($"power cut at step {step}")
    {
        Step = step;
    }

    public long Step { get; }
}
