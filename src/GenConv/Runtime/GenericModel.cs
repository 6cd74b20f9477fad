using System;
using System.Collections.Generic;
using System.Linq;
using GenConv.Kernels;
using GenConv.Model;

namespace GenConv
{
    /// <summary>Which generic convolution and dense kernels a <see cref="GenericModel"/> runs.</summary>
    public enum GenericAlgorithm
    {
        /// <summary>The seeds' direct loops (<see cref="NaiveKernels"/>).</summary>
        Naive,
        /// <summary>im2col + blocked GEMM (<see cref="Im2ColKernels"/>).</summary>
        Im2Col,
    }

    /// <summary>
    /// Runs any layer list with runtime-shaped kernels: the oracle for tests and the baseline for benchmarks.
    /// Same surface, parameter layout and initialization as a generated model, so the two can be compared
    /// step for step. Buffers are allocated once, in the constructor.
    /// </summary>
    public sealed class GenericModel : IGenConvModel
    {
        private readonly float[] parameters;
        private readonly float[] gradients;
        private readonly float[][] activations;   // activations[i] = input of layer i; the last is the model's output
        private readonly float[][] activationGradients;
        private readonly float[] im2colScratch;
        private int lastBatch;

        public GenericModel(ModelDescription description, GenericAlgorithm algorithm, int maxBatch = 1, int seed = 0)
        {
            ArgumentNullException.ThrowIfNull(description);
            ModelGuard.MaxBatch(maxBatch, Math.Max(description.InputLength, description.Layers.Max(g => g.OutputLength)));
            Description = description;
            Algorithm = algorithm;
            MaxBatch = maxBatch;
            parameters = new float[description.ParameterCount];
            gradients = new float[description.ParameterCount];
            int layerCount = description.Layers.Count;
            activations = new float[layerCount + 1][];
            activationGradients = new float[layerCount + 1][];
            int scratch = 0;
            for (int i = 0; i <= layerCount; i++)
            {
                int length = i < layerCount ? description.Layers[i].InputLength : description.OutputLength;
                activations[i] = new float[length * maxBatch];
                activationGradients[i] = new float[length * maxBatch];
                if (i < layerCount && description.Layers[i].Layer.Kind == LayerKind.Conv2D)
                    scratch = Math.Max(scratch, Im2ColKernels.ScratchLength(description.Layers[i]));
            }
            im2colScratch = new float[algorithm == GenericAlgorithm.Im2Col ? scratch : 0];
            ParameterInitializer.PyTorchDefault(description, parameters, seed);
        }

        public GenericModel(TensorShape input, IReadOnlyList<LayerSpec> layers, GenericAlgorithm algorithm, int maxBatch = 1, int seed = 0)
            : this(new ModelDescription(input, layers), algorithm, maxBatch, seed)
        {
        }

        public ModelDescription Description { get; }
        public GenericAlgorithm Algorithm { get; }
        public int InputLength => Description.InputLength;
        public int OutputLength => Description.OutputLength;
        public int MaxBatch { get; }

        /// <summary>Always 1: the generic kernels are single-threaded baselines.</summary>
        public int Threads
        {
            get => 1;
            set
            {
                if (value != 1) throw new NotSupportedException($"generic models run on one thread; Threads cannot be {value}.");
            }
        }
        public Span<float> Parameters => parameters;
        public Span<float> Gradients => gradients;

        public void Forward(ReadOnlySpan<float> input, Span<float> output)
        {
            int batch = ModelGuard.ForwardBatch(InputLength, OutputLength, MaxBatch, input.Length, output.Length);
            input.CopyTo(activations[0]);
            for (int i = 0; i < Description.Layers.Count; i++)
                LayerForward(i, batch);
            activations[^1].AsSpan(0, output.Length).CopyTo(output);
            lastBatch = batch;
        }

        /// <summary>Forward, after which Backward refuses to run (the generic kernels keep nothing that inference could skip).</summary>
        public void Infer(ReadOnlySpan<float> input, Span<float> output)
        {
            lastBatch = 0;
            Forward(input, output);
            lastBatch = 0;
        }

        public void Backward(ReadOnlySpan<float> outputGradient, Span<float> inputGradient)
        {
            int batch = lastBatch;
            ModelGuard.Backward(InputLength, OutputLength, batch, outputGradient.Length, inputGradient.Length);
            outputGradient.CopyTo(activationGradients[^1]);
            for (int i = Description.Layers.Count - 1; i >= 0; i--)
                LayerBackward(i, batch, needInputGradient: i > 0 || !inputGradient.IsEmpty);
            if (!inputGradient.IsEmpty)
                activationGradients[0].AsSpan(0, inputGradient.Length).CopyTo(inputGradient);
        }

        private void LayerForward(int index, int batch)
        {
            LayerGeometry g = Description.Layers[index];
            ReadOnlySpan<float> x = activations[index];
            Span<float> y = activations[index + 1];
            switch (g.Layer.Kind)
            {
                case LayerKind.Conv2D when Algorithm == GenericAlgorithm.Im2Col:
                    Im2ColKernels.Conv2DForward(g, batch, x, Weights(index, g), Bias(index, g), y, im2colScratch);
                    break;
                case LayerKind.Conv2D:
                    NaiveKernels.Conv2DForward(g, batch, x, Weights(index, g), Bias(index, g), y);
                    break;
                case LayerKind.Dense when Algorithm == GenericAlgorithm.Im2Col:
                    Im2ColKernels.DenseForward(g, batch, x, Weights(index, g), Bias(index, g), y);
                    break;
                case LayerKind.Dense:
                    NaiveKernels.DenseForward(g, batch, x, Weights(index, g), Bias(index, g), y);
                    break;
                case LayerKind.MaxPool2D:
                    NaiveKernels.MaxPoolForward(g, batch, x, y);
                    break;
                case LayerKind.AvgPool2D:
                    NaiveKernels.AvgPoolForward(g, batch, x, y);
                    break;
                default:
                    NaiveKernels.ActivationForward(g.Layer, batch * g.InputLength, x, y);
                    break;
            }
        }

        private void LayerBackward(int index, int batch, bool needInputGradient)
        {
            LayerGeometry g = Description.Layers[index];
            ReadOnlySpan<float> x = activations[index];
            ReadOnlySpan<float> dy = activationGradients[index + 1];
            Span<float> dx = activationGradients[index];
            bool im2col = Algorithm == GenericAlgorithm.Im2Col;
            switch (g.Layer.Kind)
            {
                case LayerKind.Conv2D:
                    if (im2col) Im2ColKernels.Conv2DBackwardWeights(g, batch, x, dy, WeightGradients(index, g), BiasGradients(index, g), im2colScratch);
                    else NaiveKernels.Conv2DBackwardWeights(g, batch, x, dy, WeightGradients(index, g), BiasGradients(index, g));
                    if (!needInputGradient) break;
                    if (im2col) Im2ColKernels.Conv2DBackwardData(g, batch, dy, Weights(index, g), dx, im2colScratch);
                    else NaiveKernels.Conv2DBackwardData(g, batch, dy, Weights(index, g), dx);
                    break;
                case LayerKind.Dense:
                    if (im2col) Im2ColKernels.DenseBackwardWeights(g, batch, x, dy, WeightGradients(index, g), BiasGradients(index, g));
                    else NaiveKernels.DenseBackwardWeights(g, batch, x, dy, WeightGradients(index, g), BiasGradients(index, g));
                    if (!needInputGradient) break;
                    if (im2col) Im2ColKernels.DenseBackwardData(g, batch, dy, Weights(index, g), dx);
                    else NaiveKernels.DenseBackwardData(g, batch, dy, Weights(index, g), dx);
                    break;
                case LayerKind.MaxPool2D:
                    NaiveKernels.MaxPoolBackward(g, batch, x, dy, dx);
                    break;
                case LayerKind.AvgPool2D:
                    NaiveKernels.AvgPoolBackward(g, batch, dy, dx);
                    break;
                default:
                    NaiveKernels.ActivationBackward(g.Layer, batch * g.InputLength, x, activations[index + 1], dy, dx);
                    break;
            }
        }

        private ReadOnlySpan<float> Weights(int index, LayerGeometry g) => parameters.AsSpan(Description.WeightOffset(index), g.WeightCount);
        private ReadOnlySpan<float> Bias(int index, LayerGeometry g) => g.BiasCount == 0 ? default : parameters.AsSpan(Description.BiasOffset(index), g.BiasCount);
        private Span<float> WeightGradients(int index, LayerGeometry g) => gradients.AsSpan(Description.WeightOffset(index), g.WeightCount);
        private Span<float> BiasGradients(int index, LayerGeometry g) => g.BiasCount == 0 ? default : gradients.AsSpan(Description.BiasOffset(index), g.BiasCount);
    }
}
