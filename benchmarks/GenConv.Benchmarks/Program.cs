using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Running;
using GenConv.Benchmarks;

// All cases: dotnet run -c Release --project benchmarks/GenConv.Benchmarks -- --filter '*' --exporters json
// The FMA peak runs in the same summary (joined), so "% of peak" uses this run's peak.
var config = DefaultConfig.Instance
    .AddDiagnoser(MemoryDiagnoser.Default)
    .AddColumn(StatisticColumn.Median, new FlopsColumn(percentOfPeak: false), new FlopsColumn(percentOfPeak: true))
    .WithOptions(ConfigOptions.JoinSummary);
BenchmarkSwitcher.FromTypes(new[] { typeof(FmaPeakBenchmark), typeof(WorkloadBenchmarks), typeof(ThreadScalingBenchmarks) }).Run(args, config);
