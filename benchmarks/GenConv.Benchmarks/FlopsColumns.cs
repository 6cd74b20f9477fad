using System;
using System.Globalization;
using System.Linq;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using GenConv.Workloads;

namespace GenConv.Benchmarks
{
    /// <summary>GFLOP/s of a benchmark case from its median time, and the same as a share of the FMA peak measured in this run.</summary>
    public sealed class FlopsColumn : IColumn
    {
        private readonly bool percentOfPeak;

        public FlopsColumn(bool percentOfPeak) => this.percentOfPeak = percentOfPeak;

        public string Id => percentOfPeak ? "PercentOfPeak" : "GFlops";
        public string ColumnName => percentOfPeak ? "% of peak" : "GFLOP/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => percentOfPeak ? 1 : 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => percentOfPeak ? "GFLOP/s as a share of the FMA peak measured in the same run" : "Floating-point operations per second (a multiply-add counts 2), from the median";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            double? gflops = Gflops(summary, benchmarkCase);
            if (gflops is null) return "-";
            if (!percentOfPeak) return gflops.Value.ToString("F1", CultureInfo.InvariantCulture);
            BenchmarkCase? peakCase = summary.BenchmarksCases.FirstOrDefault(c => c.Descriptor.WorkloadMethod.Name == nameof(FmaPeakBenchmark.FmaPeak));
            double? peak = peakCase is null ? null : Gflops(summary, peakCase);
            return peak is null or 0 ? "-" : (100 * gflops.Value / peak.Value).ToString("F1", CultureInfo.InvariantCulture) + " %";
        }

        private static double? Gflops(Summary summary, BenchmarkCase benchmarkCase)
        {
            double? median = summary[benchmarkCase]?.ResultStatistics?.Median; // nanoseconds
            double? flops = Flops(benchmarkCase);
            return median is null or 0 || flops is null ? null : flops / median;
        }

        /// <summary>Operations of one invocation: the peak loop's count (on one or two threads), or the workload's forward cost (×3 for a training step: forward, backward data, backward weights).</summary>
        private static double? Flops(BenchmarkCase benchmarkCase)
        {
            if (benchmarkCase.Descriptor.Type == typeof(FmaPeakBenchmark)) return FmaPeakBenchmark.Flops;
            if (benchmarkCase.Parameters["Workload"] is not string id) return null;
            double perSample = WorkloadRegistry.Get(id).ForwardFlopsPerSample;
            return benchmarkCase.Descriptor.WorkloadMethod.Name == nameof(WorkloadBenchmarks.TrainBatch32)
                ? 3 * WorkloadBenchmarks.TrainBatch * perSample
                : perSample;
        }
    }
}
