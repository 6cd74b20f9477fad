using System;
using System.Collections.Generic;
using System.Linq;
using GenConv.Tests.Infrastructure;
using Xunit;

namespace GenConv.Tests
{
    /// <summary>
    /// Generated backward kernels against central finite differences of an independent double-precision forward:
    /// for L = Σ r·y with random r, dL/dθ and dL/dx from Backward(r) must match (L(θ+h) − L(θ−h)) / 2h.
    /// Covers every layer kind (matrix cases with each) and whole models.
    /// </summary>
    public sealed class GradientCheckTests : IClassFixture<ModelMatrixFixture>
    {
        private readonly ModelMatrixFixture fixture;

        public GradientCheckTests(ModelMatrixFixture fixture) => this.fixture = fixture;

        public static IEnumerable<object[]> Cases()
        {
            // One or more cases of each kind: strided/padded/asymmetric conv, max and avg pool (padded, excluded pad),
            // dense with and without bias, all four activations, the two whole models, and Winograd convolutions (scalar
            // tiles; a valid one, whose backward data pads by 2; asymmetric padding; a chain of two).
            int[] picks = { 3, 8, 13, 14, 30, 34, 37, 42, 43, 44, 48, 50, 51, 52, 53, 54, 55, 56, 57, 88, 91, 92, 95 };
            return picks.Select(i => new object[] { i });
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void BackwardMatchesFiniteDifferences(int caseIndex)
        {
            const int batch = 2;
            IGenConvModel model = GeneratorHarness.Create(fixture.Assembly, $"Matrix.Case{caseIndex}", batch, seed: 7);
            ModelDescription description = model.Description;
            // Inputs away from zero so that no ReLU or max-pool decision flips within ±h.
            float[] x = Numerics.Random(batch * description.InputLength, caseIndex + 50).Select(v => v + MathF.CopySign(0.05f, v)).ToArray();
            float[] r = Numerics.Random(batch * description.OutputLength, caseIndex + 60);
            var y = new float[r.Length];
            var dx = new float[x.Length];
            model.Forward(x, y);
            model.Backward(r, dx);
            float[] gradients = model.Gradients.ToArray();

            double[] theta = model.Parameters.ToArray().Select(v => (double)v).ToArray();
            double[] input = x.Select(v => (double)v).ToArray();
            double Loss() => DoubleReference.Forward(description, theta, input, batch).Zip(r, (a, b) => a * b).Sum();

            const double h = 1e-6;
            var random = new SeededRandom((ulong)caseIndex);
            void Check(double[] values, float[] analytic, string what)
            {
                int samples = Math.Min(values.Length, 40);
                double scale = analytic.Length == 0 ? 0 : analytic.Max(v => Math.Abs(v));
                for (int s = 0; s < samples; s++)
                {
                    int i = values.Length <= 40 ? s : random.NextInt(values.Length);
                    double saved = values[i];
                    values[i] = saved + h;
                    double plus = Loss();
                    values[i] = saved - h;
                    double minus = Loss();
                    values[i] = saved;
                    double numeric = (plus - minus) / (2 * h);
                    double tolerance = 1e-3 * Math.Abs(numeric) + 1e-4 * scale + 1e-6;
                    Assert.True(Math.Abs(numeric - analytic[i]) <= tolerance,
                        $"{what}[{i}]: analytic {analytic[i]:R}, finite difference {numeric:R}, tolerance {tolerance:E2}");
                }
            }

            Check(theta, gradients, "dL/dparameter");
            Check(input, dx, "dL/dinput");
        }
    }
}
