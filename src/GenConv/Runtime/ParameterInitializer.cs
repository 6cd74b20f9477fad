using System;

namespace GenConv
{
    /// <summary>Initial weights as PyTorch's defaults draw them, from the project's seeded PRNG.</summary>
    public static class ParameterInitializer
    {
        /// <summary>
        /// nn.Conv2d and nn.Linear reset_parameters: kaiming_uniform_(a = √5) for weights, which is
        /// U(−1/√fan_in, 1/√fan_in), and the same bound for biases. fan_in = in_channels·kH·kW or in_features.
        /// Tensors are filled in state_dict order, so a seed means the same weights for every model of one description.
        /// </summary>
        public static void PyTorchDefault(ModelDescription description, Span<float> parameters, int seed)
        {
            ArgumentNullException.ThrowIfNull(description);
            if (parameters.Length != description.ParameterCount)
                throw new ArgumentException($"parameters must hold {description.ParameterCount} floats, but has {parameters.Length}.", nameof(parameters));
            var random = new SeededRandom((ulong)(uint)seed);
            foreach (ParameterTensor tensor in description.ParameterTensors)
            {
                Kernels.LayerGeometry g = description.Layers[tensor.LayerIndex];
                int fanIn = g.WeightCount / g.Output.Channels;
                float bound = 1f / MathF.Sqrt(fanIn);
                Span<float> values = parameters.Slice(tensor.Offset, tensor.Length);
                for (int i = 0; i < values.Length; i++)
                    values[i] = random.NextFloat(-bound, bound);
            }
        }

        /// <summary>Fills <paramref name="parameters"/> from F32 little-endian bytes (baked weights), on any byte order.</summary>
        public static void FromLittleEndian(ReadOnlySpan<byte> bytes, Span<float> parameters)
        {
            if (bytes.Length != 4L * parameters.Length)
                throw new ArgumentException($"bytes must hold {4L * parameters.Length} bytes for {parameters.Length} floats, but has {bytes.Length}.", nameof(bytes));
            for (int i = 0; i < parameters.Length; i++)
                parameters[i] = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(4 * i));
        }
    }
}
