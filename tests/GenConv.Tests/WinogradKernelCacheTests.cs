using System;
using System.Linq;
using GenConv.Tests.Infrastructure;
using GenConv.Workloads;
using Xunit;

namespace GenConv.Tests
{
    /// <summary>
    /// A Winograd convolution keeps its transformed kernel between Forward calls and recomputes it only when the weights
    /// differ from those it was computed from, bit for bit. Whatever is written into Parameters between calls, the output
    /// must be that of a fresh model holding the same weights.
    /// </summary>
    public sealed class WinogradKernelCacheTests
    {
        /// <summary>Where a layer's weight tensor starts, and how long it is, in M2Winograd's parameters.</summary>
        private static (int Offset, int Length) Weights(int layer) =>
            M2Winograd.Description.ParameterTensors.Where(t => t.LayerIndex == layer).Select(t => (t.Offset, t.Length)).First();

        [Fact]
        public void ForwardFollowsEveryChangeToTheWeights()
        {
            var model = new M2Winograd(maxBatch: 2, seed: 3);
            var random = new SeededRandom(11);
            float[] x = new float[2 * M2Winograd.InputLength];
            for (int i = 0; i < x.Length; i++) x[i] = random.NextFloat(-1, 1);

            float[] first = Forward(model, x);
            Assert.Equal(Bits(Forward(Fresh(model), x)), Bits(first));
            Assert.Equal(Bits(first), Bits(Forward(model, x))); // unchanged weights: the kept transform, the same bits

            model.Parameters[Weights(2).Offset + 5] += 0.5f; // one weight of the first Winograd layer (32→32)
            float[] changed = Forward(model, x);
            Assert.NotEqual(Bits(first), Bits(changed));
            Assert.Equal(Bits(Forward(Fresh(model), x)), Bits(changed));

            // The second Winograd layer's last weight, then every weight replaced at once.
            model.Parameters[Weights(5).Offset + Weights(5).Length - 1] -= 0.25f;
            Assert.Equal(Bits(Forward(Fresh(model), x)), Bits(Forward(model, x)));
            float[] other = new M2Winograd(maxBatch: 1, seed: 4).Parameters.ToArray();
            other.CopyTo(model.Parameters);
            Assert.Equal(Bits(Forward(Fresh(model), x)), Bits(Forward(model, x)));
        }

        /// <summary>The comparison is of bits: −0 is not +0 (U's zeros would take other signs), and a NaN equals only its own bits.</summary>
        [Fact]
        public void TheKeptKernelIsCurrentOnlyForTheSameBits()
        {
            float[] weights = { 1f, -0f, float.NaN, 2f };
            float[] source = new float[weights.Length + 1];
            Assert.False(Kernels.Winograd.KernelIsCurrent(ref weights[0], ref source[0], weights.Length)); // never computed
            Kernels.Winograd.KernelComputedFrom(ref weights[0], ref source[0], weights.Length);
            Assert.True(Kernels.Winograd.KernelIsCurrent(ref weights[0], ref source[0], weights.Length));
            weights[1] = 0f;
            Assert.False(Kernels.Winograd.KernelIsCurrent(ref weights[0], ref source[0], weights.Length));
            weights[1] = -0f;
            weights[2] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(float.NaN) | 1); // another NaN
            Assert.False(Kernels.Winograd.KernelIsCurrent(ref weights[0], ref source[0], weights.Length));
        }

        [Fact]
        public void TrainingStepsForwardWithTheUpdatedWeights()
        {
            var model = new M2Winograd(maxBatch: 2, seed: 5);
            var random = new SeededRandom(12);
            float[] x = new float[2 * M2Winograd.InputLength], dy = new float[2 * M2Winograd.OutputLength];
            for (int i = 0; i < x.Length; i++) x[i] = random.NextFloat(-1, 1);
            for (int i = 0; i < dy.Length; i++) dy[i] = random.NextFloat(-1, 1);
            var sgd = new GenConv.Training.Sgd(model.Parameters.Length, learningRate: 0.1f, momentum: 0.9f);
            for (int step = 0; step < 3; step++)
            {
                float[] y = Forward(model, x);
                Assert.Equal(Bits(Forward(Fresh(model), x)), Bits(y));
                model.Backward(dy, Span<float>.Empty);
                sgd.Step(model);
            }
        }

        private static M2Winograd Fresh(M2Winograd model)
        {
            var fresh = new M2Winograd(maxBatch: 2, seed: 0);
            model.Parameters.CopyTo(fresh.Parameters);
            return fresh;
        }

        private static float[] Forward(IGenConvModel model, float[] x)
        {
            float[] y = new float[x.Length / model.InputLength * model.OutputLength];
            model.Forward(x, y);
            return y;
        }

        private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
    }
}
