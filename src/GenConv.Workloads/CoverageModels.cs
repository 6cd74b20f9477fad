using GenConv;

// Layers no reference workload has. The determinism probe (bit-identity across vector widths and thread counts) and the
// JIT test (no MinOpts) run PoolingWindows; the benchmarks measure the two pools below beside the generic kernels. Not
// reference workloads: see Models.cs for those.
namespace GenConv.Workloads
{
    /// <summary>Pooling windows other than 2×2 stride 2: 8 inner windows at a time, the border ones one at a time.</summary>
    [GenConvModel(InputChannels = 3, InputHeight = 13, InputWidth = 41)]
    [MaxPool2D(Kernel = 3, Stride = 2, Padding = 1)]
    [AvgPool2D(Kernel = 3, Stride = 1, Padding = 1, CountIncludePad = false)]
    public partial class PoolingWindows { }

    /// <summary>A ResNet stem's max pool: 3×3, stride 2, padding 1, on 64×56×56.</summary>
    [GenConvModel(InputChannels = 64, InputHeight = 56, InputWidth = 56)]
    [MaxPool2D(Kernel = 3, Stride = 2, Padding = 1)]
    public partial class MaxPool3x3Stride2 { }

    /// <summary>An Inception-style average pool: 3×3, stride 1, padding 1 not counted, on 64×28×28.</summary>
    [GenConvModel(InputChannels = 64, InputHeight = 28, InputWidth = 28)]
    [AvgPool2D(Kernel = 3, Stride = 1, Padding = 1, CountIncludePad = false)]
    public partial class AvgPool3x3Stride1 { }
}
