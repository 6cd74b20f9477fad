using System;
using GenConv.Model;

namespace GenConv.Kernels
{
    /// <summary>
    /// Everything a runtime-shaped (generic) kernel needs to know about one layer: its spec and the input and
    /// output shapes that shape inference gave it. Built once per layer; invalid specs are rejected here.
    /// </summary>
    public sealed class LayerGeometry
    {
        private LayerGeometry(LayerSpec layer, TensorShape input, TensorShape output)
        {
            Layer = layer;
            Input = input;
            Output = output;
            WeightCount = (int)ShapeInference.WeightCount(input, layer);
            BiasCount = (int)ShapeInference.BiasCount(layer);
        }

        public LayerSpec Layer { get; }
        public TensorShape Input { get; }
        public TensorShape Output { get; }
        public int InputLength => (int)Input.Length;
        public int OutputLength => (int)Output.Length;
        public int WeightCount { get; }
        public int BiasCount { get; }
        public int ParameterCount => WeightCount + BiasCount;

        /// <summary>Length of one im2col column: input channels × kernel window.</summary>
        public int PatchLength => Input.Channels * Layer.KernelH * Layer.KernelW;

        public static LayerGeometry Create(TensorShape input, LayerSpec layer)
        {
            ArgumentNullException.ThrowIfNull(layer);
            if (input.Channels <= 0 || input.Height <= 0 || input.Width <= 0)
                throw new ArgumentException($"Input shape must be positive, but is {input}.", nameof(input));
            ShapeResult result = ShapeInference.Infer(input, layer);
            if (!result.IsValid)
                throw new ArgumentException($"{result.Message} (argument {result.Argument}).", nameof(layer));
            return new LayerGeometry(layer, input, result.Output);
        }
    }
}
