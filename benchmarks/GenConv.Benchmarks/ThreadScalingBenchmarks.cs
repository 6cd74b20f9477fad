using System.Linq;
using BenchmarkDotNet.Attributes;
using GenConv.Training;
using GenConv.Workloads;

namespace GenConv.Benchmarks
{
    /// <summary>
    /// Generated training steps at batch 32 on 1 and 2 threads (batch-parallel; results are bit-identical either way):
    /// the models and the conv layers with the most work. Workload ids and the variant are in the case name.
    /// </summary>
    public class ThreadScalingBenchmarks
    {
        [ParamsSource(nameof(Ids))]
        public string Workload { get; set; } = "M1";

        /// <summary>The models and L4, L5 (those of them in GENCONV_BENCH_WORKLOADS when it is set).</summary>
        public static string[] Ids => new[] { "M1", "M2", "L4", "L5" }.Where(WorkloadBenchmarks.Ids.Contains).ToArray();

        [Params(1, 2)]
        public int Threads { get; set; }

        private IGenConvModel model = null!;
        private float[] input = null!, output = null!, outputGradient = null!, inputGradient = null!;
        private Sgd? optimizer;

        [GlobalSetup]
        public void Setup()
        {
            Workload workload = WorkloadRegistry.Get(Workload);
            model = workload.Create(Variant.Generated, WorkloadBenchmarks.TrainBatch, seed: 1);
            model.Threads = Threads;
            input = WorkloadBenchmarks.Fill(WorkloadBenchmarks.TrainBatch * model.InputLength, 2);
            output = new float[WorkloadBenchmarks.TrainBatch * model.OutputLength];
            outputGradient = WorkloadBenchmarks.Fill(output.Length, 3);
            inputGradient = new float[input.Length];
            optimizer = workload.IsModel ? WorkloadBenchmarks.StepOptimizer(model.Parameters.Length) : null;
        }

        [Benchmark(Description = "Train step batch 32")]
        public void TrainBatch32() => WorkloadBenchmarks.TrainStep(model, input, output, outputGradient, inputGradient, optimizer);
    }
}
