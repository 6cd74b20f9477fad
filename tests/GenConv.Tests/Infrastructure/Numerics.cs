using System;
using Xunit;

namespace GenConv.Tests.Infrastructure
{
    /// <summary>Random data and float comparisons with a tolerance from the rounding-error bound of a dot product.</summary>
    public static class Numerics
    {
        public static float[] Random(int length, int seed, float scale = 1f)
        {
            var random = new SeededRandom((ulong)seed + 1000);
            var values = new float[length];
            for (int i = 0; i < values.Length; i++) values[i] = random.NextFloat(-scale, scale);
            return values;
        }

        public static float[] Abs(ReadOnlySpan<float> values)
        {
            var result = new float[values.Length];
            for (int i = 0; i < values.Length; i++) result[i] = MathF.Abs(values[i]);
            return result;
        }

        /// <summary>
        /// Asserts |actual − expected| ≤ 2·γ(n)·magnitude elementwise, where magnitude is Σ|terms| of each result (the
        /// same computation on absolute values) and γ(n) = (n + 2)·2⁻²⁴ bounds the rounding of an n-term sum. Both sides
        /// round, hence the 2. With <paramref name="normwise"/> the magnitude is the tensor's largest instead: the bound
        /// for chains of layers, where the |x| run no longer bounds each element (non-monotonic activations, cancellation).
        /// Returns the worst |difference| / magnitude seen, for reporting.
        /// </summary>
        public static double AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, ReadOnlySpan<float> magnitude, long reductionLength, string what, bool normwise = false)
        {
            Assert.Equal(expected.Length, actual.Length);
            double gamma = 2.0 * (reductionLength + 2) * Math.Pow(2, -24);
            double worst = 0, floor = 0;
            if (normwise)
                for (int i = 0; i < magnitude.Length; i++) floor = Math.Max(floor, Math.Max(magnitude[i], Math.Abs(expected[i])));
            for (int i = 0; i < expected.Length; i++)
            {
                double difference = Math.Abs((double)expected[i] - actual[i]);
                double scale = Math.Max(floor, Math.Max(magnitude[i], Math.Abs(expected[i])));
                double bound = gamma * scale + 1e-30;
                if (!(difference <= bound))
                    Assert.Fail($"{what}[{i}]: expected {expected[i]:R}, actual {actual[i]:R}, difference {difference:E3} > bound {bound:E3} (n = {reductionLength}, magnitude {scale:E3})");
                if (scale > 0) worst = Math.Max(worst, difference / scale);
            }
            return worst;
        }
    }
}
