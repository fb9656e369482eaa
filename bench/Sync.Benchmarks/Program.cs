using BenchmarkDotNet.Running;
using Sync.Benchmarks;

if (args is ["fec-probe"])
{
    FecProbe.Run();
    return;
}

if (args is ["fec16-probe", .. var rest])
{
    FecProbe.Run16(rest);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
