namespace Sync.Attacks;

/// <summary>The toolkit was called wrongly: one line on stderr, exit 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
