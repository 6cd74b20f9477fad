using BenchmarkDotNet.Attributes;
using GenConv.Workloads;

namespace GenConv.Benchmarks
{
    /// <summary>
    /// Forward at batch 1 of each workload's InferenceOnly build (src/GenConv.Workloads/InferenceModels.cs), the one a
    /// deployment runs: its forward keeps nothing for a backward, so L5's reads its input rows in place on AVX-512 where
    /// the trainable build (WorkloadBenchmarks) first makes the padded, phase-split copy its backward weights reads.
    /// </summary>
    public class InferenceOnlyBenchmarks
    {
        [ParamsSource(nameof(Ids))]
        public string Workload { get; set; } = "L5";

        public static string[] Ids => WorkloadBenchmarks.Ids;

        private IGenConvModel model = null!;
        private float[] input = null!, output = null!;

        [GlobalSetup]
        public void Setup()
        {
            Workload workload = WorkloadRegistry.Get(Workload);
            model = workload.Create(Variant.Generated, maxBatch: 1, seed: 1, inferenceOnly: true);
            input = WorkloadBenchmarks.Fill(model.InputLength, 1);
            output = new float[model.OutputLength];
        }

        [Benchmark(Description = "Forward batch 1, InferenceOnly build")]
        public void ForwardBatch1() => model.Forward(input, output);
    }
}
