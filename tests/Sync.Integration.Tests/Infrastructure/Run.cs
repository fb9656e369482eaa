using System.Diagnostics;

namespace Sync.Integration.Tests.Infrastructure;

/// <summary>Starts the real agents (and helper scripts) as processes and collects what they print.</summary>
public static class Run
{
    public static Task<ProcessResult> Outside(params string[] args) => Agent("sync-outside", args);

    public static Task<ProcessResult> Inside(params string[] args) => Agent("sync-inside", args);

    public static Task<ProcessResult> Agent(string agent, string[] args, IDictionary<string, string>? environment = null) =>
        Process("dotnet", [RepoPaths.AgentDll(agent), .. args], environment);

    public static Task<ProcessResult> Script(string script, params string[] args) =>
        Process("bash", [RepoPaths.Script(script), .. args]);

    public static Task<ProcessResult> Process(string file, string[] args, IDictionary<string, string>? environment = null, TimeSpan? timeout = null) =>
        Start(file, args, environment, timeout).Completion;

    /// <summary>Starts an agent and hands back its process, so a test can kill exactly the process it started.</summary>
    public static (System.Diagnostics.Process Process, Task<ProcessResult> Completion) StartAgent(string agent, params string[] args) =>
        Start("dotnet", [RepoPaths.AgentDll(agent), .. args], null, null);

    private static (System.Diagnostics.Process Process, Task<ProcessResult> Completion) Start(string file, string[] args, IDictionary<string, string>? environment, TimeSpan? timeout)
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
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = System.Diagnostics.Process.Start(info)!;
        process.StandardInput.Close();
        return (process, WaitAsync(process, file, args, timeout));
    }

    private static async Task<ProcessResult> WaitAsync(System.Diagnostics.Process process, string file, string[] args, TimeSpan? timeout)
    {
        using var owned = process;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in time");
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }

    public static async Task<ProcessResult> Ok(Task<ProcessResult> run)
    {
        var result = await run;
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    /// <summary>Starts any program (e.g. an agent under `ip netns exec`) and hands back its process, so a test can signal exactly it.</summary>
    public static (System.Diagnostics.Process Process, Task<ProcessResult> Completion) StartProcess(
        string file, string[] args, IDictionary<string, string>? environment = null, TimeSpan? timeout = null) =>
        Start(file, args, environment, timeout);
}
