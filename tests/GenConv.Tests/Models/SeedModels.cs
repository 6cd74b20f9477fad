using GenConv;

namespace GenConv.Tests.Models
{
    /// <summary>Seed 002: a 5×5 image and a 3×3 filter, stride 1, no padding.</summary>
    [GenConvModel(InputChannels = 1, InputHeight = 5, InputWidth = 5)]
    [Conv2D(OutChannels = 1, Kernel = 3, Bias = false)]
    public partial class Seed002Convolution { }

    [GenConvModel(InputChannels = 1, InputHeight = 4, InputWidth = 4)]
    [AvgPool2D(Kernel = 2)]
    public partial class Seed002AveragePool { }

    [GenConvModel(InputChannels = 1, InputHeight = 4, InputWidth = 4)]
    [MaxPool2D(Kernel = 2)]
    public partial class Seed002MaxPool { }

    /// <summary>Seed 003: a 1-D convolution of 7 inputs with a 4-tap kernel (4 outputs).</summary>
    [GenConvModel(InputChannels = 1, InputHeight = 1, InputWidth = 7)]
    [Conv2D(OutChannels = 1, KernelH = 1, KernelW = 4, Bias = false)]
    public partial class Seed003Convolution1D { }

    /// <summary>Seed 004: f = (x + y)·z as a bias-free dense layer with both weights z.</summary>
    [GenConvModel(InputChannels = 2, InputHeight = 1, InputWidth = 1)]
    [Dense(OutFeatures = 1, Bias = false)]
    public partial class Seed004AddMultiply { }

    /// <summary>Seed 004: the sigmoid neuron σ(w0·x0 + w1·x1 + w2).</summary>
    [GenConvModel(InputChannels = 2, InputHeight = 1, InputWidth = 1)]
    [Dense(OutFeatures = 1)]
    [Sigmoid]
    public partial class Seed004SigmoidNeuron { }

    /// <summary>Seed 004: q = W·x, f = ‖q‖².</summary>
    [GenConvModel(InputChannels = 2, InputHeight = 1, InputWidth = 1)]
    [Dense(OutFeatures = 2, Bias = false)]
    public partial class Seed004MatrixVector { }

    /// <summary>L5 of the reference workloads, for seed 001's output-size formula with stride and padding.</summary>
    [GenConvModel(InputChannels = 16, InputHeight = 32, InputWidth = 32)]
    [Conv2D(OutChannels = 32, Kernel = 3, Stride = 2, Padding = 1)]
    public partial class L5Convolution { }
}
