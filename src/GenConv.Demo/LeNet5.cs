using GenConv;

namespace GenConv.Demo
{
    /// <summary>LeNet-5 for 28×28 grey images (reference model M1). Everything below the attributes is generated.</summary>
    [GenConvModel(InputChannels = 1, InputHeight = 28, InputWidth = 28)]
    [Conv2D(OutChannels = 6, Kernel = 5, Padding = 2)]
    [ReLU]
    [MaxPool2D(Kernel = 2)]
    [Conv2D(OutChannels = 16, Kernel = 5)]
    [ReLU]
    [MaxPool2D(Kernel = 2)]
    [Dense(OutFeatures = 120)] [ReLU] [Dense(OutFeatures = 84)] [ReLU] [Dense(OutFeatures = 10)]
    public partial class LeNet5 { }
}
