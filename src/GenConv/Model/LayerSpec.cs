// Shared by the runtime (public) and the source generator (internal, linked source): one description of
// a layer and one shape formula for both, so generated and generic code can never disagree about shapes.
// Plain C# that compiles for netstandard2.0: no records, no System.HashCode.
using System;

namespace GenConv.Model
{
    /// <summary>The kinds of layer GenConv can declare, generate and run.</summary>
#if GENCONV_GENERATOR
    internal
#else
    public
#endif
    enum LayerKind
    {
        Conv2D,
        MaxPool2D,
        AvgPool2D,
        Dense,
        ReLU,
        LeakyReLU,
        Sigmoid,
        Tanh,
    }

    /// <summary>A per-sample tensor shape, channels × height × width (a flat vector is C × 1 × 1).</summary>
#if GENCONV_GENERATOR
    internal
#else
    public
#endif
    readonly struct TensorShape : IEquatable<TensorShape>
    {
        public TensorShape(int channels, int height, int width)
        {
            Channels = channels;
            Height = height;
            Width = width;
        }

        public int Channels { get; }
        public int Height { get; }
        public int Width { get; }

        /// <summary>Number of floats per sample.</summary>
        public long Length => (long)Channels * Height * Width;

        public bool Equals(TensorShape other) => Channels == other.Channels && Height == other.Height && Width == other.Width;
        public override bool Equals(object? obj) => obj is TensorShape other && Equals(other);
        public override int GetHashCode() => unchecked((Channels * 397 ^ Height) * 397 ^ Width);
        public static bool operator ==(TensorShape a, TensorShape b) => a.Equals(b);
        public static bool operator !=(TensorShape a, TensorShape b) => !a.Equals(b);
        public override string ToString() => Channels + "x" + Height + "x" + Width;
    }

    /// <summary>
    /// One declared layer, with every default already resolved (stride of a pool = its kernel, and so on).
    /// Fields that do not apply to a kind are zero. Value-equal, so the generator's pipeline caches on it.
    /// </summary>
#if GENCONV_GENERATOR
    internal
#else
    public
#endif
    sealed class LayerSpec : IEquatable<LayerSpec>
    {
        public LayerSpec(
            LayerKind kind,
            int outSize = 0,
            int kernelH = 0,
            int kernelW = 0,
            int strideH = 0,
            int strideW = 0,
            int padTop = 0,
            int padBottom = 0,
            int padLeft = 0,
            int padRight = 0,
            bool hasBias = false,
            bool countIncludePad = true,
            float slope = 0f,
            string? name = null,
            bool winograd = false)
        {
            Kind = kind;
            OutSize = outSize;
            KernelH = kernelH;
            KernelW = kernelW;
            StrideH = strideH;
            StrideW = strideW;
            PadTop = padTop;
            PadBottom = padBottom;
            PadLeft = padLeft;
            PadRight = padRight;
            HasBias = hasBias;
            CountIncludePad = countIncludePad;
            Slope = slope;
            Name = name;
            Winograd = winograd;
        }

        public LayerKind Kind { get; }
        /// <summary>Output channels of a convolution, output features of a dense layer; 0 otherwise.</summary>
        public int OutSize { get; }
        public int KernelH { get; }
        public int KernelW { get; }
        public int StrideH { get; }
        public int StrideW { get; }
        public int PadTop { get; }
        public int PadBottom { get; }
        public int PadLeft { get; }
        public int PadRight { get; }
        public bool HasBias { get; }
        /// <summary>Average pooling only: divide by the whole window (PyTorch's default) or by its valid part.</summary>
        public bool CountIncludePad { get; }
        /// <summary>LeakyReLU only: the slope for negative inputs.</summary>
        public float Slope { get; }
        /// <summary>The state_dict prefix of this layer's parameters; null means its index in the layer list.</summary>
        public string? Name { get; }
        /// <summary>
        /// Convolution only: computed with Winograd's F(2×2, 3×3), 2.25× fewer multiplications than the direct form, at the
        /// cost of slightly different rounding (3×3 kernels at stride 1 with even output sizes; the generator checks).
        /// </summary>
        public bool Winograd { get; }

        public bool IsActivation => Kind >= LayerKind.ReLU;
        public bool IsPool => Kind == LayerKind.MaxPool2D || Kind == LayerKind.AvgPool2D;
        public bool HasParameters => Kind == LayerKind.Conv2D || Kind == LayerKind.Dense;

        public static LayerSpec Conv2D(int outChannels, int kernel, int stride = 1, int padding = 0, bool bias = true, string? name = null) =>
            new LayerSpec(LayerKind.Conv2D, outChannels, kernel, kernel, stride, stride, padding, padding, padding, padding, hasBias: bias, name: name);

        public static LayerSpec MaxPool2D(int kernel, int stride = 0, int padding = 0) =>
            new LayerSpec(LayerKind.MaxPool2D, 0, kernel, kernel, stride == 0 ? kernel : stride, stride == 0 ? kernel : stride, padding, padding, padding, padding);

        public static LayerSpec AvgPool2D(int kernel, int stride = 0, int padding = 0, bool countIncludePad = true) =>
            new LayerSpec(LayerKind.AvgPool2D, 0, kernel, kernel, stride == 0 ? kernel : stride, stride == 0 ? kernel : stride, padding, padding, padding, padding, countIncludePad: countIncludePad);

        public static LayerSpec Dense(int outFeatures, bool bias = true, string? name = null) =>
            new LayerSpec(LayerKind.Dense, outFeatures, hasBias: bias, name: name);

        public static LayerSpec Activation(LayerKind kind, float slope = 0.01f) =>
            new LayerSpec(kind, slope: kind == LayerKind.LeakyReLU ? slope : 0f);

        public bool Equals(LayerSpec? other) =>
            other is not null && Kind == other.Kind && OutSize == other.OutSize && KernelH == other.KernelH && KernelW == other.KernelW
            && StrideH == other.StrideH && StrideW == other.StrideW && PadTop == other.PadTop && PadBottom == other.PadBottom
            && PadLeft == other.PadLeft && PadRight == other.PadRight && HasBias == other.HasBias
            && CountIncludePad == other.CountIncludePad && Slope.Equals(other.Slope) && string.Equals(Name, other.Name, StringComparison.Ordinal) && Winograd == other.Winograd;

        public override bool Equals(object? obj) => Equals(obj as LayerSpec);

        public override int GetHashCode()
        {
            unchecked
            {
                int h = (int)Kind;
                h = h * 31 + OutSize;
                h = h * 31 + KernelH;
                h = h * 31 + KernelW;
                h = h * 31 + StrideH;
                h = h * 31 + StrideW;
                h = h * 31 + PadTop;
                h = h * 31 + PadBottom;
                h = h * 31 + PadLeft;
                h = h * 31 + PadRight;
                h = h * 31 + (HasBias ? 1 : 0) + (CountIncludePad ? 2 : 0) + (Winograd ? 4 : 0);
                h = h * 31 + Slope.GetHashCode();
                h = h * 31 + (Name is null ? 0 : StringComparer.Ordinal.GetHashCode(Name));
                return h;
            }
        }

        public override string ToString() => Kind switch
        {
            LayerKind.Conv2D => $"Conv2D(out {OutSize}, k {KernelH}x{KernelW}, s {StrideH}x{StrideW}, pad t{PadTop} b{PadBottom} l{PadLeft} r{PadRight}{(HasBias ? "" : ", no bias")}{(Winograd ? ", Winograd" : "")})",
            LayerKind.MaxPool2D or LayerKind.AvgPool2D => $"{Kind}(k {KernelH}x{KernelW}, s {StrideH}x{StrideW}, pad {PadTop}x{PadLeft}{(Kind == LayerKind.AvgPool2D && !CountIncludePad ? ", exclude pad" : "")})",
            LayerKind.Dense => $"Dense(out {OutSize}{(HasBias ? "" : ", no bias")})",
            LayerKind.LeakyReLU => "LeakyReLU(" + Slope.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + ")",
            _ => Kind.ToString(),
        };
    }
}
