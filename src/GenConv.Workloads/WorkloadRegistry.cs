using System;
using System.Collections.Generic;
using System.Linq;
using GenConv.Kernels;
using GenConv.Model;

namespace GenConv.Workloads
{
    /// <summary>How a model is run: the generated kernels or one of the generic baselines.</summary>
    public enum Variant
    {
        Generated,
        GenericNaive,
        GenericIm2col,
    }

    /// <summary>One reference workload: an id from reference-workloads.md, its generated model and its cost.</summary>
    public sealed class Workload
    {
        private readonly Func<int, int, IGenConvModel> createGenerated, createInference;

        internal Workload(string id, string title, ModelDescription description, Func<int, int, IGenConvModel> createGenerated, Func<int, int, IGenConvModel> createInference)
        {
            Id = id;
            Title = title;
            Description = description;
            this.createGenerated = createGenerated;
            this.createInference = createInference;
        }

        public string Id { get; }
        public string Title { get; }
        public ModelDescription Description { get; }
        public bool IsModel => Id.StartsWith('M');

        /// <summary>
        /// Forward floating-point operations per sample: 2 per multiply-accumulate (conv, dense), 1 per window element
        /// for pooling and 1 per element for activations.
        /// </summary>
        public double ForwardFlopsPerSample => Description.Layers.Sum(g => g.Layer.Kind switch
        {
            LayerKind.Conv2D or LayerKind.Dense => 2.0 * ShapeInference.Macs(g.Input, g.Output, g.Layer),
            LayerKind.MaxPool2D or LayerKind.AvgPool2D => (double)g.OutputLength * g.Layer.KernelH * g.Layer.KernelW,
            _ => g.InputLength,
        });

        /// <summary>
        /// A model of this workload. <paramref name="inferenceOnly"/>: the generated one is its InferenceOnly twin
        /// (InferenceModels.cs: forward only, nothing kept for a backward; the same parameters for the same seed); the
        /// generic models are the same either way.
        /// </summary>
        public IGenConvModel Create(Variant variant, int maxBatch, int seed = 0, bool inferenceOnly = false) => variant switch
        {
            Variant.Generated => inferenceOnly ? createInference(maxBatch, seed) : createGenerated(maxBatch, seed),
            Variant.GenericNaive => new GenericModel(Description, GenericAlgorithm.Naive, maxBatch, seed),
            Variant.GenericIm2col => new GenericModel(Description, GenericAlgorithm.Im2Col, maxBatch, seed),
            _ => throw new ArgumentOutOfRangeException(nameof(variant)),
        };

        public override string ToString() => Id;
    }

    /// <summary>The one list of reference workloads that tests and benchmarks read.</summary>
    public static class WorkloadRegistry
    {
        public static IReadOnlyList<Workload> All { get; } = new[]
        {
            new Workload("L1", "conv 1→6 k5 s1 p2 (LeNet C1), 1×28×28", L1.Description, (b, s) => new L1(b, s), (b, s) => new L1Inference(b, s)),
            new Workload("L2", "conv 6→16 k5 s1 p0 (LeNet C3), 6×14×14", L2.Description, (b, s) => new L2(b, s), (b, s) => new L2Inference(b, s)),
            new Workload("L3", "conv 3→32 k3 s1 p1, 3×32×32", L3.Description, (b, s) => new L3(b, s), (b, s) => new L3Inference(b, s)),
            new Workload("L4", "conv 32→32 k3 s1 p1, 32×32×32", L4.Description, (b, s) => new L4(b, s), (b, s) => new L4Inference(b, s)),
            new Workload("L5", "conv 16→32 k3 s2 p1, 16×32×32", L5.Description, (b, s) => new L5(b, s), (b, s) => new L5Inference(b, s)),
            new Workload("L6", "max pool 2×2 s2, 32×32×32", L6.Description, (b, s) => new L6(b, s), (b, s) => new L6Inference(b, s)),
            new Workload("L7", "avg pool 2×2 s2, 32×32×32", L7.Description, (b, s) => new L7(b, s), (b, s) => new L7Inference(b, s)),
            new Workload("L8", "dense 400→120", L8.Description, (b, s) => new L8(b, s), (b, s) => new L8Inference(b, s)),
            new Workload("L9", "dense 4096→10", L9.Description, (b, s) => new L9(b, s), (b, s) => new L9Inference(b, s)),
            new Workload("M1", "LeNet-5, 1×28×28", M1.Description, (b, s) => new M1(b, s), (b, s) => new M1Inference(b, s)),
            new Workload("M2", "SmallVgg, 3×32×32", M2.Description, (b, s) => new M2(b, s), (b, s) => new M2Inference(b, s)),
        };

        public static Workload Get(string id) =>
            All.FirstOrDefault(w => w.Id == id) ?? throw new ArgumentException($"No workload '{id}'. Known: {string.Join(", ", All.Select(w => w.Id))}.", nameof(id));
    }
}
