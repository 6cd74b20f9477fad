using GenConv;

namespace GenConv.Tests.Models
{
    /// <summary>
    /// LeNet-5 as PyTorch's nn.Sequential writes it: nn.Flatten takes index 6, so the Linear layers are 7, 9 and 11.
    /// <c>Name</c> maps GenConv's layers (which flatten implicitly) onto those state_dict keys.
    /// </summary>
    [GenConvModel(InputChannels = 1, InputHeight = 28, InputWidth = 28)]
    [Conv2D(OutChannels = 6, Kernel = 5, Padding = 2)] [ReLU] [MaxPool2D(Kernel = 2)]
    [Conv2D(OutChannels = 16, Kernel = 5)] [ReLU] [MaxPool2D(Kernel = 2)]
    [Dense(OutFeatures = 120, Name = "7")] [ReLU] [Dense(OutFeatures = 84, Name = "9")] [ReLU] [Dense(OutFeatures = 10, Name = "11")]
    public partial class TorchLeNet5 { }

    /// <summary>The fixtures' small CNN: every layer kind with strides, padding and each activation.</summary>
    [GenConvModel(InputChannels = 1, InputHeight = 8, InputWidth = 8)]
    [Conv2D(OutChannels = 4, Kernel = 3, Padding = 1)] [Tanh] [AvgPool2D(Kernel = 2)]
    [Conv2D(OutChannels = 6, Kernel = 3, Stride = 2, Padding = 1)] [LeakyReLU(Slope = 0.1f)] [MaxPool2D(Kernel = 2)]
    [Dense(OutFeatures = 5, Name = "7")] [Sigmoid] [Dense(OutFeatures = 3, Name = "9")]
    public partial class TorchSmallCnn { }
}
