using GenConv;

// Layers no reference workload has. The determinism probe (bit-identity across vector widths and thread counts) and the
// JIT test (no MinOpts) run PoolingWindows; the benchmarks measure the three pools below beside the generic kernels. Not
// reference workloads: see Models.cs for those.
namespace GenConv.Workloads
{
    /// <summary>
    /// Pooling windows other than 2×2 stride 2: 8 inner windows at a time, the border ones one at a time; column strides
    /// 2, 1, 5, 3 and 4 (every third or fourth float gathered by shuffles, every fifth one by one).
    /// </summary>
    [GenConvModel(InputChannels = 3, InputHeight = 13, InputWidth = 1080)]
    [MaxPool2D(Kernel = 3, Stride = 2, Padding = 1)]
    [AvgPool2D(Kernel = 3, Stride = 1, Padding = 1, CountIncludePad = false)]
    [MaxPool2D(KernelH = 2, KernelW = 6, StrideH = 1, StrideW = 5, PadW = 1)]
    [MaxPool2D(KernelH = 1, KernelW = 3, StrideH = 1, StrideW = 3)]
    [AvgPool2D(KernelH = 2, KernelW = 4, StrideH = 1, StrideW = 4)]
    public partial class PoolingWindows { }

    /// <summary>A ResNet stem's max pool: 3×3, stride 2, padding 1, on 64×56×56.</summary>
    [GenConvModel(InputChannels = 64, InputHeight = 56, InputWidth = 56)]
    [MaxPool2D(Kernel = 3, Stride = 2, Padding = 1)]
    public partial class MaxPool3x3Stride2 { }

    /// <summary>An Inception-style average pool: 3×3, stride 1, padding 1 not counted, on 64×28×28.</summary>
    [GenConvModel(InputChannels = 64, InputHeight = 28, InputWidth = 28)]
    [AvgPool2D(Kernel = 3, Stride = 1, Padding = 1, CountIncludePad = false)]
    public partial class AvgPool3x3Stride1 { }

    /// <summary>A 3×3 stride-3 max pool (windows that tile the input) on 64×54×54: every third float gathered by shuffles.</summary>
    [GenConvModel(InputChannels = 64, InputHeight = 54, InputWidth = 54)]
    [MaxPool2D(Kernel = 3, Stride = 3)]
    public partial class MaxPool3x3Stride3 { }
}

namespace GenConv.Workloads
{
    /// <summary>L4's shape computed with Winograd's F(2×2, 3×3): the benchmarks measure it beside L4's direct kernel.</summary>
    [GenConvModel(InputChannels = 32, InputHeight = 32, InputWidth = 32)]
    [Conv2D(OutChannels = 32, Kernel = 3, Padding = 1, Winograd = true)]
    public partial class L4Winograd { }

    /// <summary>M2 (SmallVgg) with its 32- and 64-channel convolutions computed with Winograd's F(2×2, 3×3).</summary>
    [GenConvModel(InputChannels = 3, InputHeight = 32, InputWidth = 32)]
    [Conv2D(OutChannels = 32, Kernel = 3, Padding = 1)] [ReLU]
    [Conv2D(OutChannels = 32, Kernel = 3, Padding = 1, Winograd = true)] [ReLU] [MaxPool2D(Kernel = 2)]
    [Conv2D(OutChannels = 64, Kernel = 3, Padding = 1, Winograd = true)] [ReLU] [MaxPool2D(Kernel = 2)]
    [Dense(OutFeatures = 10)]
    public partial class M2Winograd { }
}
