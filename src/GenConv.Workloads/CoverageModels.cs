using GenConv;

// Layers no reference workload has, whose kernels the determinism probe (bit-identity across vector widths and thread
// counts) and the JIT test (no MinOpts) must still cover. Not benchmark workloads: see Models.cs for those.
namespace GenConv.Workloads
{
    /// <summary>Pooling windows other than 2×2 stride 2: 8 inner windows at a time, the border ones one at a time.</summary>
    [GenConvModel(InputChannels = 3, InputHeight = 13, InputWidth = 41)]
    [MaxPool2D(Kernel = 3, Stride = 2, Padding = 1)]
    [AvgPool2D(Kernel = 3, Stride = 1, Padding = 1, CountIncludePad = false)]
    public partial class PoolingWindows { }
}
