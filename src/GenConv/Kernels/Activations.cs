using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using GenConv.Model;

namespace GenConv.Kernels
{
    /// <summary>
    /// The scalar activation formulas, written once. Generated code calls these same methods, so generated and
    /// generic models agree bit for bit on every activation.
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
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float SigmoidBackward(float y, float dy) => dy * (1f - y) * y;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Tanh(float x) => MathF.Tanh(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float TanhBackward(float y, float dy) => dy * (1f - y * y);

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

        /// <summary>The 256-bit step a dense layer's fused ReLU backward takes past its last 512-bit vector.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> ReluBackward(Vector256<float> x, Vector256<float> dy) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), dy, Vector256<float>.Zero);
    }
}
