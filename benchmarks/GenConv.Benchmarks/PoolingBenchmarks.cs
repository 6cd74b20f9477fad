using System;
using BenchmarkDotNet.Attributes;
using GenConv.Workloads;

namespace GenConv.Benchmarks
{
    /// <summary>
    /// Pooling windows no reference workload has (src/GenConv.Workloads/CoverageModels.cs), forward at batch 1, generated
    /// beside the generic kernels: the generated forward does the inner windows 8 at a time in vectors.
    /// </summary>
    public class PoolingBenchmarks
    {
        [Params("MaxPool3x3Stride2", "AvgPool3x3Stride1")]
        public string Pool { get; set; } = "MaxPool3x3Stride2";

        [ParamsSource(nameof(Variants))]
        public Variant Variant { get; set; }

        public static Variant[] Variants => WorkloadBenchmarks.Variants;

        private IGenConvModel model = null!;
        private float[] input = null!, output = null!;

        [GlobalSetup]
        public void Setup()
        {
            IGenConvModel generated = Pool == "MaxPool3x3Stride2" ? new MaxPool3x3Stride2() : new AvgPool3x3Stride1();
            model = Variant switch
            {
                Variant.Generated => generated,
                Variant.GenericIm2col => new GenericModel(generated.Description, GenericAlgorithm.Im2Col, maxBatch: 1, seed: 0),
                Variant.GenericNaive => new GenericModel(generated.Description, GenericAlgorithm.Naive, maxBatch: 1, seed: 0),
                _ => throw new ArgumentOutOfRangeException(nameof(Variant)),
            };
            var random = new SeededRandom(4);
            input = new float[model.InputLength];
            for (int i = 0; i < input.Length; i++) input[i] = random.NextFloat(-1, 1);
            output = new float[model.OutputLength];
        }

        [Benchmark(Description = "Forward batch 1")]
        public void ForwardBatch1() => model.Forward(input, output);
    }
}
