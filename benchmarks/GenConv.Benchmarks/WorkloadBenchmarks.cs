using System;
using System.Linq;
using BenchmarkDotNet.Attributes;
using GenConv.Training;
using GenConv.Workloads;

namespace GenConv.Benchmarks
{
    /// <summary>
    /// Every reference workload on every variant: forward at batch 1 for inference (<see cref="IGenConvModel.Infer"/>, which
    /// keeps nothing for a backward: oneDNN's forward_inference), and a training step at batch 32 (forward + backward data +
    /// backward weights; models also take the SGD update). Buffers are allocated in setup.
    /// </summary>
    public class WorkloadBenchmarks
    {
        public const int TrainBatch = 32;

        [ParamsSource(nameof(Ids))]
        public string Workload { get; set; } = "L1";

        [ParamsSource(nameof(Variants))]
        public Variant Variant { get; set; }

        /// <summary>Every workload id, or the comma-separated ones in GENCONV_BENCH_WORKLOADS (BenchmarkDotNet's --filter does not see parameters).</summary>
        public static string[] Ids => Selected("GENCONV_BENCH_WORKLOADS", WorkloadRegistry.All.Select(w => w.Id).ToArray());

        /// <summary>Every variant, or the comma-separated ones in GENCONV_BENCH_VARIANTS.</summary>
        public static Variant[] Variants => Selected("GENCONV_BENCH_VARIANTS", new[] { "Generated", "GenericIm2col", "GenericNaive" })
            .Select(name => Enum.Parse<Variant>(name, ignoreCase: true)).ToArray();

        internal static string[] Selected(string variable, string[] all)
        {
            string? list = Environment.GetEnvironmentVariable(variable);
            if (string.IsNullOrWhiteSpace(list)) return all;
            string[] chosen = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            string? unknown = chosen.FirstOrDefault(name => !all.Contains(name, StringComparer.OrdinalIgnoreCase));
            if (unknown is not null) throw new ArgumentException($"{variable}: '{unknown}' is not one of {string.Join(", ", all)}.");
            return chosen;
        }

        private IGenConvModel inference = null!, training = null!;
        private float[] input1 = null!, output1 = null!, input32 = null!, output32 = null!, outputGradient32 = null!, inputGradient32 = null!;
        private Sgd? optimizer;

        [GlobalSetup]
        public void Setup()
        {
            Workload workload = WorkloadRegistry.Get(Workload);
            inference = workload.Create(Variant, maxBatch: 1, seed: 1);
            training = workload.Create(Variant, maxBatch: TrainBatch, seed: 1);
            input1 = Fill(workload.Description.InputLength, 1);
            output1 = new float[workload.Description.OutputLength];
            input32 = Fill(TrainBatch * workload.Description.InputLength, 2);
            output32 = new float[TrainBatch * workload.Description.OutputLength];
            outputGradient32 = Fill(output32.Length, 3);
            inputGradient32 = new float[input32.Length];
            optimizer = workload.IsModel ? StepOptimizer(workload.Description.ParameterCount) : null;
        }

        /// <summary>The update every timed training step takes: SGD with momentum 0.9 (a small rate, so weights barely move).</summary>
        internal static Sgd StepOptimizer(int parameterCount) => new Sgd(parameterCount, 1e-4f, momentum: 0.9f);

        internal static float[] Fill(int length, int seed)
        {
            var random = new SeededRandom((ulong)seed);
            var values = new float[length];
            for (int i = 0; i < length; i++) values[i] = random.NextFloat(-1, 1);
            return values;
        }

        [Benchmark(Description = "Forward batch 1")]
        public void ForwardBatch1() => inference.Infer(input1, output1);

        [Benchmark(Description = "Train step batch 32")]
        public void TrainBatch32() => TrainStep(training, input32, output32, outputGradient32, inputGradient32, optimizer);

        /// <summary>Forward and backward; a model (with an optimizer) skips the input gradient and takes the update instead.</summary>
        internal static void TrainStep(IGenConvModel model, float[] input, float[] output, float[] outputGradient, float[] inputGradient, Sgd? optimizer)
        {
            model.Forward(input, output);
            if (optimizer is null)
                model.Backward(outputGradient, inputGradient);
            else
            {
                model.Backward(outputGradient, Span<float>.Empty);
                optimizer.Step(model); // on the model's threads, each part where its gradients are
            }
        }
    }
}
