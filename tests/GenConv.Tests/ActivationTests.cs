using System;
using System.Collections.Generic;
using System.Numerics;
using GenConv.Kernels;
using Xunit;

namespace GenConv.Tests
{
    /// <summary>Sigmoid and tanh: their own exp, accurate to a few ulp, and vector lanes equal to the scalar form bit for bit.</summary>
    public sealed class ActivationTests
    {
        private static IEnumerable<float> Inputs()
        {
            var random = new Random(11);
            foreach (double scale in new[] { 1e-6, 0.1, 0.625, 1, 4, 10, 30, 90, 200 })
                for (int i = 0; i < 4000; i++)
                    yield return (float)((random.NextDouble() * 2 - 1) * scale);
            // Edges of the tanh polynomial, of exp's clamp and rounding ties, and the specials.
            foreach (float x in new[] { 0.625f, -0.625f, 0.62499994f, 88f, 88.37626f, 88.72f, 89f, -87f, -87.5f, 0.34657359f, 0f, -0f,
                                        float.Epsilon, float.MaxValue, float.MinValue, float.PositiveInfinity, float.NegativeInfinity })
                yield return x;
        }

        [Fact]
        public void SigmoidAndTanhAreWithinTwoUlpOfDoublePrecision()
        {
            foreach (float x in Inputs())
            {
                double sigmoid = 1 / (1 + Math.Exp(-(double)x)), tanh = Math.Tanh(x);
                AssertWithinUlps(sigmoid, Activations.Sigmoid(x), $"sigmoid({x:R})");
                AssertWithinUlps(tanh, Activations.Tanh(x), $"tanh({x:R})");
            }
            Assert.Equal(0f, Activations.Sigmoid(float.NegativeInfinity));
            Assert.Equal(1f, Activations.Sigmoid(float.PositiveInfinity));
            Assert.True(float.IsNaN(Activations.Sigmoid(float.NaN)));
            Assert.True(float.IsNaN(Activations.Tanh(float.NaN)));
        }

        [Fact]
        public void VectorLanesEqualTheScalarFormBitForBit()
        {
            var inputs = new List<float>(Inputs()) { float.NaN };
            int lanes = Vector<float>.Count;
            var block = new float[lanes];
            for (int start = 0; start < inputs.Count; start += lanes)
            {
                for (int lane = 0; lane < lanes; lane++) block[lane] = inputs[(start + lane) % inputs.Count];
                var x = new Vector<float>(block);
                Vector<float> y = Activations.Sigmoid(x); // the backward forms take y
                var dy = new Vector<float>(0.37f);
                for (int lane = 0; lane < lanes; lane++)
                {
                    float v = block[lane];
                    Assert.Equal(Bits(Activations.Sigmoid(v)), Bits(Activations.Sigmoid(x)[lane]));
                    Assert.Equal(Bits(Activations.Tanh(v)), Bits(Activations.Tanh(x)[lane]));
                    Assert.Equal(Bits(Activations.SigmoidBackward(y[lane], 0.37f)), Bits(Activations.SigmoidBackward(y, dy)[lane]));
                    Assert.Equal(Bits(Activations.TanhBackward(y[lane], 0.37f)), Bits(Activations.TanhBackward(y, dy)[lane]));
                }
            }
        }

        private static int Bits(float value) => BitConverter.SingleToInt32Bits(value);

        /// <summary>Within 2 ulp of the float nearest the exact value; results below 1e−30 (sigmoid's far tail) within 1e−37.</summary>
        private static void AssertWithinUlps(double exact, float actual, string what)
        {
            if (Math.Abs(exact) < 1e-30)
            {
                Assert.True(Math.Abs(actual - exact) < 1e-37, $"{what} = {actual:R}, exactly {exact:R}");
                return;
            }
            float nearest = (float)exact;
            double ulp = Math.Max(Math.BitIncrement(Math.Abs((double)nearest)) - Math.Abs((double)nearest), 0) * Math.Pow(2, 29); // a double ulp × 2^29 is a float ulp
            Assert.True(Math.Abs(actual - exact) <= 2 * ulp, $"{what} = {actual:R}, exactly {exact:R}: off by {Math.Abs(actual - exact) / ulp:F2} ulp");
        }
    }
}
