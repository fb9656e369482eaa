namespace Sync.Core.Apply;

/// <summary>What happens at each durable step once a host installed it in <see cref="CrashPoints"/>: called from any thread.</summary>
internal interface ICrashPoint
{
    void Reached();
}
