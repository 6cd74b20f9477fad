using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using GenConv.Kernels;
using GenConv.Model;

namespace GenConv
{
    /// <summary>One parameter tensor's place in the flat parameter vector, named as PyTorch's state_dict names it.</summary>
    public sealed class ParameterTensor
    {
        internal ParameterTensor(string name, int layerIndex, int offset, int[] shape)
        {
            Name = name;
            LayerIndex = layerIndex;
            Offset = offset;
            this.shape = shape;
            int length = 1;
            foreach (int d in shape) length *= d;
            Length = length;
        }

        private readonly int[] shape;

        /// <summary>e.g. <c>0.weight</c>, <c>3.bias</c>, or <c>conv1.weight</c> with a layer Name.</summary>
        public string Name { get; }
        public int LayerIndex { get; }
        public int Offset { get; }
        public int Length { get; }
        /// <summary>OIHW for convolution weights, [out, in] for dense weights, [out] for biases.</summary>
        public ReadOnlySpan<int> Shape => shape;
    }

    /// <summary>
    /// A model's input shape and layer list with every shape inferred, and the layout of its flat parameter vector.
    /// Generated models expose the description of what they were generated from, so generic runners can run the
    /// very same model.
    /// </summary>
    public sealed class ModelDescription
    {
        public ModelDescription(TensorShape input, IReadOnlyList<LayerSpec> layers)
        {
            ArgumentNullException.ThrowIfNull(layers);
            if (layers.Count == 0) throw new ArgumentException("A model needs at least one layer.", nameof(layers));
            Input = input;
            var geometries = new LayerGeometry[layers.Count];
            var tensors = new List<ParameterTensor>();
            weightOffsets = new int[layers.Count];
            biasOffsets = new int[layers.Count];
            TensorShape shape = input;
            int offset = 0;
            for (int i = 0; i < layers.Count; i++)
            {
                LayerGeometry g = LayerGeometry.Create(shape, layers[i]);
                geometries[i] = g;
                string prefix = layers[i].Name ?? i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                weightOffsets[i] = biasOffsets[i] = -1;
                if (g.WeightCount > 0)
                {
                    int[] weightShape = layers[i].Kind == LayerKind.Conv2D
                        ? new[] { g.Output.Channels, g.Input.Channels, layers[i].KernelH, layers[i].KernelW }
                        : new[] { g.OutputLength, g.InputLength };
                    tensors.Add(new ParameterTensor(prefix + ".weight", i, offset, weightShape));
                    weightOffsets[i] = offset;
                    offset += g.WeightCount;
                }
                if (g.BiasCount > 0)
                {
                    tensors.Add(new ParameterTensor(prefix + ".bias", i, offset, new[] { g.BiasCount }));
                    biasOffsets[i] = offset;
                    offset += g.BiasCount;
                }
                shape = g.Output;
            }
            Layers = Array.AsReadOnly(geometries);
            ParameterTensors = tensors.AsReadOnly();
            Output = shape;
            ParameterCount = offset;
        }

        private readonly int[] weightOffsets;
        private readonly int[] biasOffsets;

        public TensorShape Input { get; }
        public TensorShape Output { get; }
        public ReadOnlyCollection<LayerGeometry> Layers { get; }
        public ReadOnlyCollection<ParameterTensor> ParameterTensors { get; }
        public int ParameterCount { get; }
        public int InputLength => (int)Input.Length;
        public int OutputLength => (int)Output.Length;

        /// <summary>Forward multiply-accumulates per sample, summed over the layers (seed 001's count).</summary>
        public long MacsPerSample
        {
            get
            {
                long macs = 0;
                foreach (LayerGeometry g in Layers) macs += ShapeInference.Macs(g.Input, g.Output, g.Layer);
                return macs;
            }
        }

        /// <summary>Offset of a layer's weights in the flat parameter vector, or -1 when it has none.</summary>
        public int WeightOffset(int layerIndex) => weightOffsets[layerIndex];

        /// <summary>Offset of a layer's bias in the flat parameter vector, or -1 when it has none.</summary>
        public int BiasOffset(int layerIndex) => biasOffsets[layerIndex];
    }
}
