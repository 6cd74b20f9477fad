using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Running;
using GenConv.Benchmarks;

// All cases: dotnet build -c Release benchmarks/GenConv.Benchmarks, then
//   dotnet benchmarks/GenConv.Benchmarks/bin/Release/net10.0/GenConv.Benchmarks.dll --filter '*' --job short --inProcess --exporters json
// (not through `dotnet run`, whose own process keeps a core busy with its JIT for a while and skews two-thread cases).
// The FMA peak runs in the same summary (joined), so "% of peak" uses this run's peak.
// `compare <dirA> <dirB> <workload> <mode>` times two builds against each other instead (BuildComparison).
// `phases <workload>` times a training step's forward, backward and update on one thread and on two (ThreadPhases).
if (args.Length > 0 && args[0] == "compare") return BuildComparison.Run(args[1..]);
if (args.Length > 0 && args[0] == "phases") return ThreadPhases.Run(args[1..]);
var config = DefaultConfig.Instance
    .AddDiagnoser(MemoryDiagnoser.Default)
    .AddColumn(StatisticColumn.Median, new FlopsColumn(percentOfPeak: false), new FlopsColumn(percentOfPeak: true))
    .WithOptions(ConfigOptions.JoinSummary);
BenchmarkSwitcher.FromTypes(new[] { typeof(FmaPeakBenchmark), typeof(WorkloadBenchmarks), typeof(ThreadScalingBenchmarks), typeof(PoolingBenchmarks), typeof(WinogradBenchmarks), typeof(ParameterSharingBenchmarks), typeof(InferenceOnlyBenchmarks) }).Run(args, config);
return 0;
