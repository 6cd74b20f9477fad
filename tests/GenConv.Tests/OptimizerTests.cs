using System;
using System.Linq;
using GenConv.Training;
using Xunit;

namespace GenConv.Tests
{
    /// <summary>
    /// The optimizers update in vectors with a scalar tail. Every element must get exactly the update of torch.optim's
    /// formula written one float at a time (below), whatever its position: 37 parameters leave a tail on any vector width.
    /// </summary>
    public sealed class OptimizerTests
    {
        private const int Count = 37;

        [Theory]
        [InlineData(0f, 0f, 0f, false)]
        [InlineData(0.9f, 0f, 0f, false)]
        [InlineData(0.9f, 0.1f, 0.01f, false)]
        [InlineData(0.9f, 0f, 0.001f, true)]
        public void SgdMatchesTheScalarRuleBitForBit(float momentum, float dampening, float weightDecay, bool nesterov)
        {
            var (parameters, gradients) = Data();
            float[] expected = parameters.ToArray(), buffer = new float[Count];
            var sgd = new Sgd(Count, 0.05f, momentum, dampening, weightDecay, nesterov);
            for (int step = 0; step < 3; step++)
            {
                sgd.Step(parameters, gradients[step]);
                for (int i = 0; i < Count; i++)
                {
                    float g = gradients[step][i];
                    if (weightDecay != 0) g += weightDecay * expected[i];
                    if (momentum != 0)
                    {
                        buffer[i] = step == 0 ? g : momentum * buffer[i] + (1 - dampening) * g;
                        g = nesterov ? g + momentum * buffer[i] : buffer[i];
                    }
                    expected[i] -= 0.05f * g;
                }
                Assert.Equal(Bits(expected), Bits(parameters));
                if (momentum != 0) Assert.Equal(Bits(buffer), Bits(sgd.State.ToArray()));
            }
        }

        [Theory]
        [InlineData(0f, false)]
        [InlineData(0.01f, false)]
        [InlineData(0.1f, true)]
        public void AdamMatchesTheScalarRuleBitForBit(float weightDecay, bool decoupled)
        {
            var (parameters, gradients) = Data();
            float[] expected = parameters.ToArray(), m = new float[Count], v = new float[Count];
            var adam = new Adam(Count, 0.01f, weightDecay: weightDecay, decoupledWeightDecay: decoupled);
            for (int step = 1; step <= 3; step++)
            {
                adam.Step(parameters, gradients[step - 1]);
                float stepSize = (float)(0.01f / (1 - Math.Pow(0.9f, step))), correction2Sqrt = (float)Math.Sqrt(1 - Math.Pow(0.999f, step));
                for (int i = 0; i < Count; i++)
                {
                    float g = gradients[step - 1][i];
                    if (!decoupled) g += weightDecay * expected[i];
                    else expected[i] *= 1f - 0.01f * weightDecay;
                    m[i] += (g - m[i]) * (1 - 0.9f);
                    v[i] = v[i] * 0.999f + (1 - 0.999f) * g * g;
                    expected[i] -= stepSize * (m[i] / (MathF.Sqrt(v[i]) / correction2Sqrt + 1e-8f));
                }
                Assert.Equal(Bits(expected), Bits(parameters));
                Assert.Equal(Bits(m.Concat(v).ToArray()), Bits(adam.State.ToArray()));
            }
        }

        private static (float[] Parameters, float[][] Gradients) Data()
        {
            var random = new SeededRandom(11);
            float[] parameters = Enumerable.Range(0, Count).Select(_ => random.NextFloat(-1, 1)).ToArray();
            float[][] gradients = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, Count).Select(_ => random.NextFloat(-1, 1)).ToArray()).ToArray();
            return (parameters, gradients);
        }

        private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
    }
}
