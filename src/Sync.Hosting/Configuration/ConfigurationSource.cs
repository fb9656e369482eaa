namespace Sync.Hosting.Configuration;

/// <summary>Where one option's value came from when it was not typed on the command line: a key of the file, or an environment variable.</summary>
/// <param name="Describe">How an error names it: "/etc/sync/inside.json: key 'import:keep'" or "environment variable SYNC_KEEP".</param>
public sealed record ConfigurationSource(string Describe);
