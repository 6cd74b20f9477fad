using System;
using BenchmarkDotNet.Attributes;
using GenConv.Training;
using GenConv.Workloads;

namespace GenConv.Benchmarks
{
    /// <summary>
    /// The workloads whose 3×3 stride-1 convolutions Winograd's F(2×2, 3×3) can compute, generated both ways: the direct
    /// kernels (the reference workload itself) beside its Winograd twin (src/GenConv.Workloads/CoverageModels.cs; M2's
    /// first convolution, with 3 input channels, stays direct). The same cases as <see cref="WorkloadBenchmarks"/>;
    /// GFLOP/s count the direct convolution's operations, so Winograd's can exceed the FMA peak.
    /// </summary>
    public class WinogradBenchmarks
    {
        [Params("L4", "M2")]
        public string Workload { get; set; } = "L4";

        [Params("Direct", "Winograd")]
        public string Algorithm { get; set; } = "Direct";

        private IGenConvModel inference = null!, training = null!;
        private float[] input1 = null!, output1 = null!, input32 = null!, output32 = null!, outputGradient32 = null!, inputGradient32 = null!;
        private Sgd? optimizer;

        private IGenConvModel Create(int maxBatch) => (Workload, Algorithm) switch
        {
            (_, "Direct") => WorkloadRegistry.Get(Workload).Create(Variant.Generated, maxBatch, seed: 1),
            ("L4", "Winograd") => new L4Winograd(maxBatch, seed: 1),
            ("M2", "Winograd") => new M2Winograd(maxBatch, seed: 1),
            _ => throw new ArgumentOutOfRangeException(nameof(Workload)),
        };

        [GlobalSetup]
        public void Setup()
        {
            inference = Create(1);
            training = Create(WorkloadBenchmarks.TrainBatch);
            input1 = WorkloadBenchmarks.Fill(inference.InputLength, 1);
            output1 = new float[inference.OutputLength];
            input32 = WorkloadBenchmarks.Fill(WorkloadBenchmarks.TrainBatch * inference.InputLength, 2);
            output32 = new float[WorkloadBenchmarks.TrainBatch * inference.OutputLength];
            outputGradient32 = WorkloadBenchmarks.Fill(output32.Length, 3);
            inputGradient32 = new float[input32.Length];
            optimizer = WorkloadRegistry.Get(Workload).IsModel ? WorkloadBenchmarks.StepOptimizer(inference.Parameters.Length) : null;
        }

        [Benchmark(Description = "Forward batch 1")]
        public void ForwardBatch1() => inference.Infer(input1, output1);

        [Benchmark(Description = "Train step batch 32")]
        public void TrainBatch32() => WorkloadBenchmarks.TrainStep(training, input32, output32, outputGradient32, inputGradient32, optimizer);
    }
}
