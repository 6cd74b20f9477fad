using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using GenConv.Model;

namespace GenConv.Kernels
{
    /// <summary>
    /// The activation formulas, written once, in scalar and vector forms that agree bit for bit. Generated code calls
    /// these same methods, so generated and generic models agree bit for bit on every activation.
    /// </summary>
    public static class Activations
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Forward(LayerKind kind, float slope, float x) => kind switch
        {
            LayerKind.ReLU => Relu(x),
            LayerKind.LeakyReLU => LeakyRelu(x, slope),
            LayerKind.Sigmoid => Sigmoid(x),
            LayerKind.Tanh => Tanh(x),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not an activation."),
        };

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Backward(LayerKind kind, float slope, float x, float y, float dy) => kind switch
        {
            LayerKind.ReLU => ReluBackward(x, dy),
            LayerKind.LeakyReLU => LeakyReluBackward(x, dy, slope),
            LayerKind.Sigmoid => SigmoidBackward(y, dy),
            LayerKind.Tanh => TanhBackward(y, dy),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not an activation."),
        };

        // PyTorch propagates NaN through relu (NaN > 0 is false, but relu keeps x when !(x <= 0)).
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Relu(float x) => x <= 0f ? 0f : x;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float ReluBackward(float x, float dy) => x > 0f ? dy : 0f;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float LeakyRelu(float x, float slope) => x > 0f ? x : x * slope;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float LeakyReluBackward(float x, float dy, float slope) => x > 0f ? dy : dy * slope;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float SigmoidBackward(float y, float dy) => dy * (1f - y) * y;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float TanhBackward(float y, float dy) => dy * (1f - y * y);

        // Sigmoid and tanh use an exp of their own (below), not MathF's: a vector form of the C library's exp does not
        // exist, and its results differ between platforms. Every lane of the vector forms runs the scalar form's
        // operations in the same order (fused where the scalar form fuses), so vector and scalar agree bit for bit, here
        // and on any other machine.

        /// <summary>1 / (1 + e^−x), within 2 ulp.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Sigmoid(float x) => 1f / (1f + Exp(-x));

        /// <summary>tanh x within 2 ulp: an odd polynomial below |x| = 0.625 (Cephes' tanhf), 1 − 2 / (e^2|x| + 1) with x's sign above.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Tanh(float x)
        {
            float a = MathF.Abs(x);
            if (a < TanhSmall)
            {
                float z = x * x;
                return MathF.FusedMultiplyAdd(TanhPolynomial(z) * z, x, x);
            }
            float t = 1f - 2f / (Exp(2f * a) + 1f);
            return x < 0f ? -t : t;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<float> Sigmoid(Vector<float> x) => Vector<float>.One / (Vector<float>.One + Exp(-x));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<float> Tanh(Vector<float> x)
        {
            Vector<float> a = Vector.Abs(x), z = x * x;
            Vector<float> small = Vector.FusedMultiplyAdd(TanhPolynomial(z) * z, x, x);
            Vector<float> t = Vector<float>.One - new Vector<float>(2f) / (Exp(new Vector<float>(2f) * a) + Vector<float>.One);
            Vector<float> large = Vector.ConditionalSelect(Vector.LessThan(x, Vector<float>.Zero), -t, t);
            // Above, NaN is not small (a comparison with NaN is false) and 1 − 2 / (NaN + 1) is NaN, as in the scalar form.
            return Vector.ConditionalSelect(Vector.LessThan(a, new Vector<float>(TanhSmall)), small, large);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<float> SigmoidBackward(Vector<float> y, Vector<float> dy) => dy * (Vector<float>.One - y) * y;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<float> TanhBackward(Vector<float> y, Vector<float> dy) => dy * (Vector<float>.One - y * y);

        private const float TanhSmall = 0.625f;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static float TanhPolynomial(float z) =>
            MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(
                -5.70498872745e-3f, z, 2.06390887954e-2f), z, -5.37397155531e-2f), z, 1.33314422036e-1f), z, -3.33332819422e-1f);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector<float> TanhPolynomial(Vector<float> z) =>
            Vector.FusedMultiplyAdd(Vector.FusedMultiplyAdd(Vector.FusedMultiplyAdd(Vector.FusedMultiplyAdd(
                new Vector<float>(-5.70498872745e-3f), z, new Vector<float>(2.06390887954e-2f)), z, new Vector<float>(-5.37397155531e-2f)), z,
                new Vector<float>(1.33314422036e-1f)), z, new Vector<float>(-3.33332819422e-1f));

        // e^x as 2^n · e^r: n = x·log2(e) rounded to even, r = x − n·ln 2 in two fused steps (ln 2 split so n·ln2Hi is
        // exact), e^r by Cephes' expf polynomial on |r| ≤ ln2/2 (within 1 ulp), 2^n built from its exponent bits. x is
        // clamped to [−87, 89]: below, e^x stays 1.6e−38 (2^n a normal float); from 88.4 on, 2^n is +∞ (so sigmoid of
        // a large negative x is 0, as in PyTorch); NaN stays NaN.
        private const float ExpLow = -87f, ExpHigh = 89f, Log2E = 1.44269504088896341f, Ln2Hi = 0.693359375f, Ln2Lo = -2.12194440e-4f;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static float Exp(float x)
        {
            if (float.IsNaN(x)) return x;
            float c = MathF.Min(MathF.Max(x, ExpLow), ExpHigh);
            float n = MathF.Round(c * Log2E);
            float r = MathF.FusedMultiplyAdd(n, -Ln2Lo, MathF.FusedMultiplyAdd(n, -Ln2Hi, c));
            float p = ExpPolynomial(r);
            float er = MathF.FusedMultiplyAdd(p, r * r, r) + 1f;
            return er * BitConverter.Int32BitsToSingle(((int)n + 127) << 23);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector<float> Exp(Vector<float> x)
        {
            Vector<float> c = Vector.Min(Vector.Max(x, new Vector<float>(ExpLow)), new Vector<float>(ExpHigh));
            Vector<float> n = Vector.Round(c * new Vector<float>(Log2E));
            Vector<float> r = Vector.FusedMultiplyAdd(n, new Vector<float>(-Ln2Lo), Vector.FusedMultiplyAdd(n, new Vector<float>(-Ln2Hi), c));
            Vector<float> p = ExpPolynomial(r);
            Vector<float> er = Vector.FusedMultiplyAdd(p, r * r, r) + Vector<float>.One;
            Vector<float> scale = Vector.AsVectorSingle(Vector.ShiftLeft(Vector.ConvertToInt32(n) + new Vector<int>(127), 23));
            return Vector.ConditionalSelect(Vector.Equals(x, x), er * scale, x);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static float ExpPolynomial(float r) =>
            MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(
                1.9875691500e-4f, r, 1.3981999507e-3f), r, 8.3334519073e-3f), r, 4.1665795894e-2f), r, 1.6666665459e-1f), r, 5.0000001201e-1f);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector<float> ExpPolynomial(Vector<float> r) =>
            Vector.FusedMultiplyAdd(Vector.FusedMultiplyAdd(Vector.FusedMultiplyAdd(Vector.FusedMultiplyAdd(Vector.FusedMultiplyAdd(
                new Vector<float>(1.9875691500e-4f), r, new Vector<float>(1.3981999507e-3f)), r, new Vector<float>(8.3334519073e-3f)), r,
                new Vector<float>(4.1665795894e-2f)), r, new Vector<float>(1.6666665459e-1f)), r, new Vector<float>(5.0000001201e-1f));

        // The same selections lane by lane (generated kernels use these for the piecewise-linear activations); a
        // comparison with NaN is false in both forms, so vector and scalar results agree bit for bit.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<float> Relu(Vector<float> x) => Vector.ConditionalSelect(Vector.LessThanOrEqual(x, Vector<float>.Zero), Vector<float>.Zero, x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<float> ReluBackward(Vector<float> x, Vector<float> dy) => Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<float>.Zero), dy, Vector<float>.Zero);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<float> LeakyRelu(Vector<float> x, float slope) => Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<float>.Zero), x, x * slope);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector<float> LeakyReluBackward(Vector<float> x, Vector<float> dy, float slope) => Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<float>.Zero), dy, dy * slope);

        // 512 bits, for the rectifier a conv or dense kernel applies as it stores its outputs (a fused activation), and a
        // dense layer's fused ReLU backward; narrower generated code uses the Vector<float> forms above.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Relu(Vector512<float> x) => Vector512.ConditionalSelect(Vector512.LessThanOrEqual(x, Vector512<float>.Zero), Vector512<float>.Zero, x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> ReluBackward(Vector512<float> x, Vector512<float> dy) => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), dy, Vector512<float>.Zero);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> LeakyRelu(Vector512<float> x, float slope) => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), x, x * slope);

        // 256 bits, for the rectifier a Winograd convolution applies as it stores 8 tiles' outputs.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Relu(Vector256<float> x) => Vector256.ConditionalSelect(Vector256.LessThanOrEqual(x, Vector256<float>.Zero), Vector256<float>.Zero, x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> LeakyRelu(Vector256<float> x, float slope) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), x, x * slope);

        /// <summary>The 256-bit step a dense layer's fused ReLU backward takes past its last 512-bit vector.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> ReluBackward(Vector256<float> x, Vector256<float> dy) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), dy, Vector256<float>.Zero);
    }
}
