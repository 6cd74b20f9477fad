// The attributes a model class is declared with. They are read by the GenConv source generator at compile
// time only; nothing reads them at run time (no reflection). Layer order is the order on the declaration.
using System;

namespace GenConv
{
    /// <summary>Marks a <c>partial</c> class as a GenConv model and declares its per-sample input shape (C×H×W).</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class GenConvModelAttribute : Attribute
    {
        public GenConvModelAttribute() { }

        public GenConvModelAttribute(int inputChannels, int inputHeight, int inputWidth)
        {
            InputChannels = inputChannels;
            InputHeight = inputHeight;
            InputWidth = inputWidth;
        }

        public int InputChannels { get; set; }
        public int InputHeight { get; set; }
        public int InputWidth { get; set; }

        /// <summary>
        /// Generate Forward only: no gradient buffers, no backward kernels, Backward throws. Memory is then
        /// <c>InferenceFixedBytes + maxBatch · InferenceBytesPerSample</c>.
        /// </summary>
        public bool InferenceOnly { get; set; }

        /// <summary>
        /// A safetensors file (PyTorch state_dict names) whose weights are baked into the assembly as the model's initial
        /// parameters: list it in the project as <c>&lt;GenConvWeights Include="file.safetensors" /&gt;</c>. Missing files
        /// and wrong names, dtypes or shapes are compile-time errors.
        /// </summary>
        public string? Weights { get; set; }
    }

    /// <summary>Base of every layer attribute.</summary>
    public abstract class LayerAttribute : Attribute
    {
        /// <summary>
        /// The state_dict prefix of this layer's parameters (<c>Name.weight</c>, <c>Name.bias</c>). By default the
        /// layer's index in the declared list, as <c>nn.Sequential</c> numbers the same layers.
        /// </summary>
        public string? Name { get; set; }
    }

    /// <summary>
    /// 2-D convolution (cross-correlation), PyTorch <c>nn.Conv2d</c>: weights OIHW, zero padding, floor output size.
    /// <c>Kernel</c>, <c>Stride</c> and <c>Padding</c> set both dimensions; the per-dimension properties override them.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class Conv2DAttribute : LayerAttribute
    {
        public Conv2DAttribute() { }

        public Conv2DAttribute(int outChannels, int kernel)
        {
            OutChannels = outChannels;
            Kernel = kernel;
        }

        public int OutChannels { get; set; }
        public int Kernel { get; set; }
        public int KernelH { get; set; }
        public int KernelW { get; set; }
        public int Stride { get; set; } = 1;
        public int StrideH { get; set; }
        public int StrideW { get; set; }
        public int Padding { get; set; }
        public int PadTop { get; set; }
        public int PadBottom { get; set; }
        public int PadLeft { get; set; }
        public int PadRight { get; set; }
        public bool Bias { get; set; } = true;
        /// <summary>
        /// Compute this layer with Winograd's F(2×2, 3×3) (forward, and backward data where the input's height and width
        /// are even): 2.25× fewer multiplications than the direct form, results within a few float roundings of it. Needs a
        /// 3×3 kernel, stride 1 and an even output height and width (else GENCONV018).
        /// </summary>
        public bool Winograd { get; set; }
    }

    /// <summary>Base of the pooling layers: stride defaults to the kernel, padding is symmetric per dimension (as PyTorch).</summary>
    public abstract class Pool2DAttribute : LayerAttribute
    {
        public int Kernel { get; set; }
        public int KernelH { get; set; }
        public int KernelW { get; set; }
        public int Stride { get; set; }
        public int StrideH { get; set; }
        public int StrideW { get; set; }
        public int Padding { get; set; }
        public int PadH { get; set; }
        public int PadW { get; set; }
    }

    /// <summary>Max pooling, PyTorch <c>nn.MaxPool2d</c>: pads with −∞, ties go to the first maximum in scan order.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class MaxPool2DAttribute : Pool2DAttribute
    {
        public MaxPool2DAttribute() { }
        public MaxPool2DAttribute(int kernel) => Kernel = kernel;
    }

    /// <summary>Average pooling, PyTorch <c>nn.AvgPool2d</c>; <see cref="CountIncludePad"/> defaults to true as there.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class AvgPool2DAttribute : Pool2DAttribute
    {
        public AvgPool2DAttribute() { }
        public AvgPool2DAttribute(int kernel) => Kernel = kernel;
        public bool CountIncludePad { get; set; } = true;
    }

    /// <summary>Fully connected layer, PyTorch <c>nn.Linear</c> (weights [out, in]); flattens C,H,W implicitly.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class DenseAttribute : LayerAttribute
    {
        public DenseAttribute() { }
        public DenseAttribute(int outFeatures) => OutFeatures = outFeatures;
        public int OutFeatures { get; set; }
        public bool Bias { get; set; } = true;
    }

    /// <summary>max(0, x).</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class ReLUAttribute : LayerAttribute { }

    /// <summary>x for x &gt; 0, <see cref="Slope"/>·x otherwise (PyTorch's default slope 0.01).</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class LeakyReLUAttribute : LayerAttribute
    {
        public LeakyReLUAttribute() { }
        public LeakyReLUAttribute(float slope) => Slope = slope;
        public float Slope { get; set; } = 0.01f;
    }

    /// <summary>1 / (1 + e^−x).</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class SigmoidAttribute : LayerAttribute { }

    /// <summary>Hyperbolic tangent.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class TanhAttribute : LayerAttribute { }
}
