using DotNet.Testcontainers.Containers;
using Sync.Containers.Tests.Infrastructure;

namespace Sync.Containers.Tests;

/// <summary>
/// `apt-get update` run again and again in the client container while the inside publishes: every round must succeed
/// with no warning (a mirror caught half-updated shows as a hash mismatch or a bad signature), and each round records
/// the InRelease it got, so the test sees the client went from one generation to the next. The round count is
/// replaced by rename, never rewritten in place: a reader between the shell's truncate and its write saw an empty file.
/// </summary>
internal sealed class AptLoop : IAsyncDisposable
{
    private const string Script = """
        rm -f /tmp/stop /tmp/rounds; : > /tmp/seen; i=0
        while [ ! -e /tmp/stop ] && [ "$i" -lt 2000 ]; do
            i=$((i + 1))
            if ! apt-get -q -o Acquire::Retries=0 update --error-on=any > /tmp/round.log 2>&1 || grep -q -E '^(W|E|Err):' /tmp/round.log; then
                echo "round $i failed:"; cat /tmp/round.log; exit 1
            fi
            sha256sum /var/lib/apt/lists/*_dists_sample_InRelease | cut -d ' ' -f 1 >> /tmp/seen
            echo "$i" > /tmp/rounds.new && mv /tmp/rounds.new /tmp/rounds
        done
        sort -u /tmp/seen
        """;

    private readonly Site _site;
    private readonly Task<ExecResult> _loop;

    private AptLoop(Site site)
    {
        _site = site;
        _loop = site.Client.ExecAsync(["sh", "-c", Script]);
    }

    public int Rounds { get; private set; }

    public static Task<AptLoop> StartAsync(Site site) => Task.FromResult(new AptLoop(site));

    /// <summary>Waits until the loop has finished at least <paramref name="rounds"/> rounds (it fails the test if the loop ends first).</summary>
    public async Task WaitForRoundsAsync(int rounds)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (Rounds < rounds)
        {
            Assert.True(DateTime.UtcNow < deadline, $"apt-get update did not reach {rounds} rounds in time");
            if (_loop.IsCompleted)
            {
                var ended = await _loop;
                Assert.Fail($"the apt-get update loop ended after {Rounds} rounds (exit {ended.ExitCode}):\n{ended.Stdout}{ended.Stderr}");
            }

            await Task.Delay(200);
            var read = await _site.Client.ExecAsync(["sh", "-c", "cat /tmp/rounds 2>/dev/null || echo 0"]);
            Rounds = int.Parse(read.Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Ends the loop and returns the distinct InRelease digests the client saw, asserting no round failed.</summary>
    public async Task<IReadOnlyList<string>> StopAsync()
    {
        await _site.Ok(_site.Client, "touch", "/tmp/stop");
        var result = await _loop;
        Assert.True(result.ExitCode == 0, $"apt-get update failed while the inside published:\n{result.Stdout}{result.Stderr}");
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_loop.IsCompleted)
        {
            await _site.Client.ExecAsync(["touch", "/tmp/stop"]);
            await ((Task)_loop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
