// Shared by the runtime and the source generator (linked source). Pure: numbers in, numbers out.
using System;

namespace GenConv.Model
{
    /// <summary>Why a layer's shape cannot be inferred. Each maps to one GENCONV diagnostic.</summary>
#if GENCONV_GENERATOR
    internal
#else
    public
#endif
    enum ShapeError
    {
        None,
        NonPositiveSize,
        NonPositiveStride,
        NegativePadding,
        KernelLargerThanInput,
        PoolPaddingTooLarge,
        TooLarge,
        InvalidValue,
    }

    /// <summary>The outcome of inferring one layer's output shape; on failure names the argument to blame.</summary>
#if GENCONV_GENERATOR
    internal
#else
    public
#endif
    readonly struct ShapeResult
    {
        private ShapeResult(TensorShape output, ShapeError error, string? argument, string? message)
        {
            Output = output;
            Error = error;
            Argument = argument;
            Message = message;
        }

        public TensorShape Output { get; }
        public ShapeError Error { get; }
        /// <summary>The attribute property at fault (e.g. "Kernel"), so a diagnostic can point at it.</summary>
        public string? Argument { get; }
        public string? Message { get; }
        public bool IsValid => Error == ShapeError.None;

        public static ShapeResult Valid(TensorShape output) => new ShapeResult(output, ShapeError.None, null, null);
        public static ShapeResult Invalid(ShapeError error, string argument, string message) => new ShapeResult(default, error, argument, message);
    }

#if GENCONV_GENERATOR
    internal
#else
    public
#endif
    static class ShapeInference
    {
        /// <summary>
        /// Largest tensor (floats per sample) and parameter count GenConv accepts. Beyond it the generated code's
        /// int offsets could overflow and the memory plan would be absurd, so the generator reports instead.
        /// </summary>
        public const long MaxElements = 1L << 27;

        /// <summary>PyTorch's output size: floor((in + padBefore + padAfter - kernel) / stride) + 1.</summary>
        public static int OutputSize(int input, int kernel, int stride, int padBefore, int padAfter) =>
            (input + padBefore + padAfter - kernel) / stride + 1;

        public static ShapeResult Infer(TensorShape input, LayerSpec layer)
        {
            switch (layer.Kind)
            {
                case LayerKind.Conv2D:
                    if (layer.OutSize <= 0)
                        return ShapeResult.Invalid(ShapeError.NonPositiveSize, "OutChannels", $"Conv2D OutChannels must be positive, but is {layer.OutSize}");
                    return InferWindow(input, layer, "Conv2D", layer.OutSize);
                case LayerKind.MaxPool2D:
                case LayerKind.AvgPool2D:
                    return InferWindow(input, layer, layer.Kind.ToString(), input.Channels);
                case LayerKind.Dense:
                    if (layer.OutSize <= 0)
                        return ShapeResult.Invalid(ShapeError.NonPositiveSize, "OutFeatures", $"Dense OutFeatures must be positive, but is {layer.OutSize}");
                    long weights = input.Length * layer.OutSize;
                    if (weights > MaxElements)
                        return ShapeResult.Invalid(ShapeError.TooLarge, "OutFeatures", $"Dense {input.Length}->{layer.OutSize} has {weights} weights, more than the {MaxElements} GenConv supports");
                    return ShapeResult.Valid(new TensorShape(layer.OutSize, 1, 1));
                case LayerKind.LeakyReLU:
                    if (float.IsNaN(layer.Slope) || float.IsInfinity(layer.Slope))
                        return ShapeResult.Invalid(ShapeError.InvalidValue, "Slope", $"LeakyReLU Slope must be finite, but is {layer.Slope}");
                    return ShapeResult.Valid(input);
                default:
                    return ShapeResult.Valid(input);
            }
        }

        private static ShapeResult InferWindow(TensorShape input, LayerSpec layer, string kind, int outChannels)
        {
            if (layer.KernelH <= 0 || layer.KernelW <= 0)
                return ShapeResult.Invalid(ShapeError.NonPositiveSize, layer.KernelH <= 0 ? "KernelH" : "KernelW",
                    $"{kind} kernel must be positive, but is {layer.KernelH}x{layer.KernelW}");
            if (layer.StrideH <= 0 || layer.StrideW <= 0)
                return ShapeResult.Invalid(ShapeError.NonPositiveStride, layer.StrideH <= 0 ? "StrideH" : "StrideW",
                    $"{kind} stride must be at least 1, but is {layer.StrideH}x{layer.StrideW}");
            if (layer.PadTop < 0 || layer.PadBottom < 0 || layer.PadLeft < 0 || layer.PadRight < 0)
                return ShapeResult.Invalid(ShapeError.NegativePadding, FirstNegativePad(layer),
                    $"{kind} padding must not be negative, but is top {layer.PadTop}, bottom {layer.PadBottom}, left {layer.PadLeft}, right {layer.PadRight}");
            if (layer.IsPool && (layer.PadTop > layer.KernelH / 2 || layer.PadLeft > layer.KernelW / 2))
                return ShapeResult.Invalid(ShapeError.PoolPaddingTooLarge, layer.PadTop > layer.KernelH / 2 ? "PadH" : "PadW",
                    $"{kind} padding {layer.PadTop}x{layer.PadLeft} is more than half of its kernel {layer.KernelH}x{layer.KernelW} (PyTorch allows at most {layer.KernelH / 2}x{layer.KernelW / 2})");

            long paddedH = (long)input.Height + layer.PadTop + layer.PadBottom;
            long paddedW = (long)input.Width + layer.PadLeft + layer.PadRight;
            if (layer.KernelH > paddedH || layer.KernelW > paddedW)
                return ShapeResult.Invalid(ShapeError.KernelLargerThanInput, layer.KernelH > paddedH ? "KernelH" : "KernelW",
                    $"{kind} kernel {layer.KernelH}x{layer.KernelW} is larger than its padded input {paddedH}x{paddedW} (input {input}), so the output would have fewer than 1 row or column");
            if (paddedH * paddedW * input.Channels > MaxElements)
                return ShapeResult.Invalid(ShapeError.TooLarge, "KernelH", $"{kind} padded input {input.Channels}x{paddedH}x{paddedW} is larger than the {MaxElements} floats per sample GenConv supports");

            int outH = OutputSize(input.Height, layer.KernelH, layer.StrideH, layer.PadTop, layer.PadBottom);
            int outW = OutputSize(input.Width, layer.KernelW, layer.StrideW, layer.PadLeft, layer.PadRight);
            var output = new TensorShape(outChannels, outH, outW);
            long parameters = layer.Kind == LayerKind.Conv2D ? (long)outChannels * input.Channels * layer.KernelH * layer.KernelW : 0;
            if (output.Length > MaxElements || parameters > MaxElements)
                return ShapeResult.Invalid(ShapeError.TooLarge, layer.Kind == LayerKind.Conv2D ? "OutChannels" : "KernelH",
                    $"{kind} output {output} ({output.Length} floats) or weights ({parameters}) exceed the {MaxElements} GenConv supports");
            return ShapeResult.Valid(output);
        }

        private static string FirstNegativePad(LayerSpec layer)
        {
            if (layer.IsPool)
                return layer.PadTop < 0 || layer.PadBottom < 0 ? "PadH" : "PadW";
            if (layer.PadTop < 0) return "PadTop";
            if (layer.PadBottom < 0) return "PadBottom";
            return layer.PadLeft < 0 ? "PadLeft" : "PadRight";
        }

        /// <summary>Weights of a layer: OIHW for a convolution, [out, in] for a dense layer.</summary>
        public static long WeightCount(TensorShape input, LayerSpec layer) => layer.Kind switch
        {
            LayerKind.Conv2D => (long)layer.OutSize * input.Channels * layer.KernelH * layer.KernelW,
            LayerKind.Dense => (long)layer.OutSize * input.Length,
            _ => 0,
        };

        public static long BiasCount(LayerSpec layer) => layer.HasParameters && layer.HasBias ? layer.OutSize : 0;

        /// <summary>Multiply-accumulates per sample, as seed 001 counts them (k_w·k_h·in_ch·out_ch·out_w·out_h).</summary>
        public static long Macs(TensorShape input, TensorShape output, LayerSpec layer) => layer.Kind switch
        {
            LayerKind.Conv2D => (long)layer.KernelH * layer.KernelW * input.Channels * output.Length,
            LayerKind.Dense => input.Length * layer.OutSize,
            _ => 0,
        };
    }
}
