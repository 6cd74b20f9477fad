using Microsoft.CodeAnalysis;

namespace GenConv.Generator.Diagnostics
{
    /// <summary>Every diagnostic GenConv reports. IDs are stable; each is reported on the attribute or argument at fault.</summary>
    internal static class DiagnosticDescriptors
    {
        private const string Category = "GenConv";

        private static DiagnosticDescriptor Error(string id, string title, string format, string help) =>
            new DiagnosticDescriptor(id, title, format, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, description: help);

        public static readonly DiagnosticDescriptor InternalError = Error("GENCONV000",
            "GenConv internal error",
            "GenConv could not generate '{0}': {1}",
            "The generator met a case it does not handle. Please report it with the model's declaration; no code was generated for this model.");

        public static readonly DiagnosticDescriptor NotPartial = Error("GENCONV001",
            "Model type must be partial",
            "GenConv model '{0}' must be declared partial so the generated forward and backward code can be added to it",
            "Add the 'partial' modifier to the class declaration that carries [GenConvModel].");

        public static readonly DiagnosticDescriptor InvalidInput = Error("GENCONV002",
            "Model input shape is missing or not positive",
            "GenConv model '{0}' needs a positive input shape, but InputChannels = {1}, InputHeight = {2}, InputWidth = {3}",
            "Set InputChannels, InputHeight and InputWidth on [GenConvModel] to positive values.");

        public static readonly DiagnosticDescriptor NonPositiveSize = Error("GENCONV003",
            "Layer size must be positive",
            "Layer {0}: {1}",
            "Kernel sizes, output channels and output features must be at least 1.");

        public static readonly DiagnosticDescriptor InvalidStride = Error("GENCONV004",
            "Stride must be at least 1",
            "Layer {0}: {1}",
            "A stride of 0 or less has no meaning; use 1 or more.");

        public static readonly DiagnosticDescriptor NegativePadding = Error("GENCONV005",
            "Padding must not be negative",
            "Layer {0}: {1}",
            "Padding adds zero rows and columns around the input; it cannot be negative.");

        public static readonly DiagnosticDescriptor KernelLargerThanInput = Error("GENCONV006",
            "Kernel larger than the padded input",
            "Layer {0}: {1}",
            "The output size is floor((in + padding - kernel) / stride) + 1, which is less than 1 when the kernel exceeds the padded input. Reduce the kernel, add padding, or remove a pooling layer before it.");

        public static readonly DiagnosticDescriptor PoolPaddingTooLarge = Error("GENCONV007",
            "Pooling padding larger than half the kernel",
            "Layer {0}: {1}",
            "PyTorch requires pooling padding to be at most half the kernel size, so that every window holds at least one real element.");

        public static readonly DiagnosticDescriptor LayersSpread = Error("GENCONV008",
            "Layers declared on several partial declarations",
            "GenConv model '{0}' declares layers on more than one partial declaration; put [GenConvModel] and every layer attribute on one declaration, since layer order is source order",
            "Layer order is the order of the attributes on one declaration; across files that order is not defined.");

        public static readonly DiagnosticDescriptor UnsupportedType = Error("GENCONV009",
            "Unsupported model type",
            "GenConv model '{0}' cannot be generated: {1}",
            "A GenConv model must be a non-generic, non-static, top-level partial class (records, structs, interfaces, nested and generic types are not supported).");

        public static readonly DiagnosticDescriptor NoLayers = Error("GENCONV010",
            "Model has no layers",
            "GenConv model '{0}' declares no layers; add layer attributes such as [Conv2D] or [Dense] after [GenConvModel]",
            "A model needs at least one layer attribute on the same declaration.");

        public static readonly DiagnosticDescriptor InvalidArgument = Error("GENCONV011",
            "Layer argument cannot be read",
            "Layer {0}: the value of '{1}' cannot be read at compile time ({2})",
            "Layer arguments must be compile-time constants of the property's type.");

        public static readonly DiagnosticDescriptor ModelTooLarge = Error("GENCONV012",
            "Model too large",
            "Layer {0}: {1}",
            "GenConv plans all memory at compile time with 32-bit offsets; tensors and parameter counts are limited to 2^27 floats per sample.");

        public static readonly DiagnosticDescriptor InvalidValue = Error("GENCONV013",
            "Invalid layer argument value",
            "Layer {0}: {1}",
            "The value must be finite.");

        public static readonly DiagnosticDescriptor WeightsFileMissing = Error("GENCONV015",
            "Weights file not found",
            "The weights file '{0}' is not among the project's weights; add <GenConvWeights Include=\"{0}\" /> to the project file",
            "Baked weights come from safetensors files listed as GenConvWeights items, which the GenConv build targets pass to the generator.");

        public static readonly DiagnosticDescriptor WeightsFileInvalid = Error("GENCONV016",
            "Weights file cannot be read",
            "The weights file '{0}' cannot be read: {1}",
            "The file must be a valid safetensors file.");

        public static readonly DiagnosticDescriptor WeightsMismatch = Error("GENCONV017",
            "Weights do not match the model",
            "The weights file '{0}' does not match the model: {1}",
            "Every parameter tensor must be present once, as F32, with the shape the declared layers give it (PyTorch state_dict names).");

        public static readonly DiagnosticDescriptor DuplicateLayerName = Error("GENCONV014",
            "Duplicate layer name",
            "Layer {0}: the name '{1}' is already used by layer {2}; parameter names in the state_dict must be unique",
            "Give each named layer a unique Name.");

        public static readonly DiagnosticDescriptor WinogradNotApplicable = Error("GENCONV018",
            "Winograd cannot compute this convolution",
            "Layer {0}: Winograd F(2x2, 3x3) needs {1}",
            "Winograd = true needs a 3x3 kernel, stride 1, and an even output height and width (each tile computes a 2x2 block of outputs); remove it to use the direct convolution.");
    }
}
