using BenchmarkDotNet.Attributes;
using GenConv.Workloads;

namespace GenConv.Benchmarks
{
    /// <summary>
    /// Forward at batch 1 two more ways beside WorkloadBenchmarks' (a trainable build's Infer): the InferenceOnly build
    /// (src/GenConv.Workloads/InferenceModels.cs) that a deployment runs, with the same kernels as Infer; and the trainable
    /// build's Forward, which keeps what Backward reads (L5's first makes the padded, phase-split copy its backward weights
    /// reads, where Infer reads the input rows in place on AVX-512).
    /// </summary>
    public class InferenceOnlyBenchmarks
    {
        [ParamsSource(nameof(Ids))]
        public string Workload { get; set; } = "L5";

        public static string[] Ids => WorkloadBenchmarks.Ids;

        private IGenConvModel model = null!, trainable = null!;
        private float[] input = null!, output = null!;

        [GlobalSetup]
        public void Setup()
        {
            Workload workload = WorkloadRegistry.Get(Workload);
            model = workload.Create(Variant.Generated, maxBatch: 1, seed: 1, inferenceOnly: true);
            trainable = workload.Create(Variant.Generated, maxBatch: 1, seed: 1);
            input = WorkloadBenchmarks.Fill(model.InputLength, 1);
            output = new float[model.OutputLength];
        }

        [Benchmark(Description = "Forward batch 1, InferenceOnly build")]
        public void ForwardBatch1() => model.Forward(input, output);

        [Benchmark(Description = "Forward batch 1, keeping for Backward")]
        public void TrainingForwardBatch1() => trainable.Forward(input, output);
    }
}
