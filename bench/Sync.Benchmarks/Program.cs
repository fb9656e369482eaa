using BenchmarkDotNet.Running;
using Sync.Benchmarks;

if (args is ["fec-probe"])
{
    FecProbe.Run();
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
