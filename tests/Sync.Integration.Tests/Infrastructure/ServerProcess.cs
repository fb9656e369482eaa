using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Sync.Integration.Tests.Infrastructure;

/// <summary>
/// A long-running agent (`serve`, `pull --every`) started by a test: its output is collected as it comes, it is
/// stopped with SIGTERM like systemd does, and only this very process is ever signalled.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Exited += (_, _) => _exited.TrySetResult();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public static ServerProcess Start(string agent, params string[] args) => Start(agent, null, args);

    public static ServerProcess Start(string agent, IDictionary<string, string>? environment, params string[] args) =>
        StartCommand("dotnet", [RepoPaths.AgentDll(agent), .. args], environment);

    /// <summary>
    /// An agent in a network namespace the test made. `ip netns exec` execs the agent without forking, so the
    /// signals still reach exactly it.
    /// </summary>
    public static ServerProcess StartIn(string ns, string agent, params string[] args) =>
        StartCommand("ip", ["netns", "exec", ns, "dotnet", RepoPaths.AgentDll(agent), .. args], null);

    private static ServerProcess StartCommand(string file, string[] args, IDictionary<string, string>? environment)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.Start();
        process.StandardInput.Close();
        return new ServerProcess(process);
    }

    /// <summary>A TCP port free right now on loopback.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task WaitListeningAsync(int port)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(_process.HasExited, $"server exited early:\n{Output}");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        Assert.Fail($"server did not listen on {port} in time:\n{Output}");
    }

    /// <summary>Waits until the output holds <paramref name="text"/> <paramref name="count"/> times.</summary>
    public async Task WaitForOutputAsync(string text, int count = 1, int seconds = 120)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (Occurrences(text) < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"'{text}' did not appear {count} time(s) in time:\n{Output}");
            Assert.False(_process.HasExited, $"process exited before '{text}':\n{Output}");
            await Task.Delay(100);
        }
    }

    public int Occurrences(string text)
    {
        var output = Output;
        var count = 0;
        for (var i = output.IndexOf(text, StringComparison.Ordinal); i >= 0; i = output.IndexOf(text, i + text.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>SIGTERM, then the exit code (killed if it does not stop within the timeout).</summary>
    public async Task<int> StopAsync(int seconds = 60)
    {
        if (!_process.HasExited)
        {
            _ = SysKill(_process.Id, 15);
        }

        var finished = await Task.WhenAny(_exited.Task, Task.Delay(TimeSpan.FromSeconds(seconds)));
        if (finished != _exited.Task)
        {
            _process.Kill();
            Assert.Fail($"process {_process.Id} did not stop on SIGTERM:\n{Output}");
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void KillHard()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            KillHard();
        }

        await _exited.Task.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);
}
