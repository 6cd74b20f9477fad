using GenConv;

// The shapes of ../shared/docs/reference-workloads.md, declared once. Keep in step with that page.
namespace GenConv.Workloads
{
    [GenConvModel(InputChannels = 1, InputHeight = 28, InputWidth = 28)]
    [Conv2D(OutChannels = 6, Kernel = 5, Padding = 2)]
    public partial class L1 { }

    [GenConvModel(InputChannels = 6, InputHeight = 14, InputWidth = 14)]
    [Conv2D(OutChannels = 16, Kernel = 5)]
    public partial class L2 { }

    [GenConvModel(InputChannels = 3, InputHeight = 32, InputWidth = 32)]
    [Conv2D(OutChannels = 32, Kernel = 3, Padding = 1)]
    public partial class L3 { }

    [GenConvModel(InputChannels = 32, InputHeight = 32, InputWidth = 32)]
    [Conv2D(OutChannels = 32, Kernel = 3, Padding = 1)]
    public partial class L4 { }

    [GenConvModel(InputChannels = 16, InputHeight = 32, InputWidth = 32)]
    [Conv2D(OutChannels = 32, Kernel = 3, Stride = 2, Padding = 1)]
    public partial class L5 { }

    [GenConvModel(InputChannels = 32, InputHeight = 32, InputWidth = 32)]
    [MaxPool2D(Kernel = 2)]
    public partial class L6 { }

    [GenConvModel(InputChannels = 32, InputHeight = 32, InputWidth = 32)]
    [AvgPool2D(Kernel = 2)]
    public partial class L7 { }

    [GenConvModel(InputChannels = 400, InputHeight = 1, InputWidth = 1)]
    [Dense(OutFeatures = 120)]
    public partial class L8 { }

    [GenConvModel(InputChannels = 4096, InputHeight = 1, InputWidth = 1)]
    [Dense(OutFeatures = 10)]
    public partial class L9 { }

    /// <summary>M1, LeNet-5 for Fashion-MNIST.</summary>
    [GenConvModel(InputChannels = 1, InputHeight = 28, InputWidth = 28)]
    [Conv2D(OutChannels = 6, Kernel = 5, Padding = 2)] [ReLU] [MaxPool2D(Kernel = 2)]
    [Conv2D(OutChannels = 16, Kernel = 5)] [ReLU] [MaxPool2D(Kernel = 2)]
    [Dense(OutFeatures = 120)] [ReLU] [Dense(OutFeatures = 84)] [ReLU] [Dense(OutFeatures = 10)]
    public partial class M1 { }

    /// <summary>M2, a small VGG-style network for 3×32×32 images.</summary>
    [GenConvModel(InputChannels = 3, InputHeight = 32, InputWidth = 32)]
    [Conv2D(OutChannels = 32, Kernel = 3, Padding = 1)] [ReLU]
    [Conv2D(OutChannels = 32, Kernel = 3, Padding = 1)] [ReLU] [MaxPool2D(Kernel = 2)]
    [Conv2D(OutChannels = 64, Kernel = 3, Padding = 1)] [ReLU] [MaxPool2D(Kernel = 2)]
    [Dense(OutFeatures = 10)]
    public partial class M2 { }
}
