using System;
using BenchmarkDotNet.Attributes;
using GenConv.Workloads;

namespace GenConv.Benchmarks
{
    /// <summary>
    /// Pooling windows no reference workload has (src/GenConv.Workloads/CoverageModels.cs), forward at batch 1 and forward +
    /// backward at batch 32, generated beside the generic kernels: the generated kernels do the inner windows 8 at a time
    /// in vectors, forward and backward.
    /// </summary>
    public class PoolingBenchmarks
    {
        [Params("MaxPool3x3Stride2", "AvgPool3x3Stride1", "MaxPool3x3Stride3")]
        public string Pool { get; set; } = "MaxPool3x3Stride2";

        [ParamsSource(nameof(Variants))]
        public Variant Variant { get; set; }

        public static Variant[] Variants => WorkloadBenchmarks.Variants;

        private IGenConvModel model = null!;
        private float[] input = null!, output = null!, outputGradient = null!, inputGradient = null!;

        [GlobalSetup]
        public void Setup()
        {
            int maxBatch = WorkloadBenchmarks.TrainBatch;
            IGenConvModel generated = Pool switch
            {
                "MaxPool3x3Stride2" => new MaxPool3x3Stride2(maxBatch),
                "AvgPool3x3Stride1" => new AvgPool3x3Stride1(maxBatch),
                "MaxPool3x3Stride3" => new MaxPool3x3Stride3(maxBatch),
                _ => throw new ArgumentOutOfRangeException(nameof(Pool), Pool, "not a pooling benchmark model"),
            };
            model = Variant switch
            {
                Variant.Generated => generated,
                Variant.GenericIm2col => new GenericModel(generated.Description, GenericAlgorithm.Im2Col, maxBatch, seed: 0),
                Variant.GenericNaive => new GenericModel(generated.Description, GenericAlgorithm.Naive, maxBatch, seed: 0),
                _ => throw new ArgumentOutOfRangeException(nameof(Variant)),
            };
            input = WorkloadBenchmarks.Fill(maxBatch * model.InputLength, 4);
            output = new float[maxBatch * model.OutputLength];
            outputGradient = WorkloadBenchmarks.Fill(output.Length, 5);
            inputGradient = new float[input.Length];
        }

        [Benchmark(Description = "Forward batch 1")]
        public void ForwardBatch1() => model.Infer(input.AsSpan(0, model.InputLength), output.AsSpan(0, model.OutputLength));

        [Benchmark(Description = "Forward + backward batch 32")]
        public void TrainBatch32() => WorkloadBenchmarks.TrainStep(model, input, output, outputGradient, inputGradient, optimizer: null);
    }
}
