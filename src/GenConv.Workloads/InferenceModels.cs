using GenConv;

// Models.cs's workloads generated with InferenceOnly = true: forward only, no buffers or copies kept for a backward.
// InferenceOnlyBenchmarks times their forward beside the trainable builds'; InferenceOnlyTests.WorkloadTwinsMatchTheirTrainingModels keeps them in step with Models.cs.
namespace GenConv.Workloads
{
    [GenConvModel(InputChannels = 1, InputHeight = 28, InputWidth = 28, InferenceOnly = true)]
    [Conv2D(OutChannels = 6, Kernel = 5, Padding = 2)]
    public partial class L1Inference { }

    [GenConvModel(InputChannels = 6, InputHeight = 14, InputWidth = 14, InferenceOnly = true)]
    [Conv2D(OutChannels = 16, Kernel = 5)]
    public partial class L2Inference { }

    [GenConvModel(InputChannels = 3, InputHeight = 32, InputWidth = 32, InferenceOnly = true)]
    [Conv2D(OutChannels = 32, Kernel = 3, Padding = 1)]
    public partial class L3Inference { }

    [GenConvModel(InputChannels = 32, InputHeight = 32, InputWidth = 32, InferenceOnly = true)]
    [Conv2D(OutChannels = 32, Kernel = 3, Padding = 1)]
    public partial class L4Inference { }

    [GenConvModel(InputChannels = 16, InputHeight = 32, InputWidth = 32, InferenceOnly = true)]
    [Conv2D(OutChannels = 32, Kernel = 3, Stride = 2, Padding = 1)]
    public partial class L5Inference { }

    [GenConvModel(InputChannels = 32, InputHeight = 32, InputWidth = 32, InferenceOnly = true)]
    [MaxPool2D(Kernel = 2)]
    public partial class L6Inference { }

    [GenConvModel(InputChannels = 32, InputHeight = 32, InputWidth = 32, InferenceOnly = true)]
    [AvgPool2D(Kernel = 2)]
    public partial class L7Inference { }

    [GenConvModel(InputChannels = 400, InputHeight = 1, InputWidth = 1, InferenceOnly = true)]
    [Dense(OutFeatures = 120)]
    public partial class L8Inference { }

    [GenConvModel(InputChannels = 4096, InputHeight = 1, InputWidth = 1, InferenceOnly = true)]
    [Dense(OutFeatures = 10)]
    public partial class L9Inference { }

    [GenConvModel(InputChannels = 1, InputHeight = 28, InputWidth = 28, InferenceOnly = true)]
    [Conv2D(OutChannels = 6, Kernel = 5, Padding = 2)] [ReLU] [MaxPool2D(Kernel = 2)]
    [Conv2D(OutChannels = 16, Kernel = 5)] [ReLU] [MaxPool2D(Kernel = 2)]
    [Dense(OutFeatures = 120)] [ReLU] [Dense(OutFeatures = 84)] [ReLU] [Dense(OutFeatures = 10)]
    public partial class M1Inference { }

    [GenConvModel(InputChannels = 3, InputHeight = 32, InputWidth = 32, InferenceOnly = true)]
    [Conv2D(OutChannels = 32, Kernel = 3, Padding = 1)] [ReLU]
    [Conv2D(OutChannels = 32, Kernel = 3, Padding = 1)] [ReLU] [MaxPool2D(Kernel = 2)]
    [Conv2D(OutChannels = 64, Kernel = 3, Padding = 1)] [ReLU] [MaxPool2D(Kernel = 2)]
    [Dense(OutFeatures = 10)]
    public partial class M2Inference { }
}
