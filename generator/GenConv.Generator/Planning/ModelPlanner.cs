using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Threading;
using GenConv.Generator.Diagnostics;
using GenConv.Generator.Helpers;
using GenConv.Generator.Parsing;
using GenConv.Model;
using Microsoft.CodeAnalysis;

namespace GenConv.Generator.Planning
{
    /// <summary>
    /// Stage 2: shape inference over the layer list (the shared <see cref="ShapeInference"/>), parameter layout in
    /// state_dict order, and the per-layer kernel plan (how much to unroll, within the JIT's budget).
    /// </summary>
    internal static class ModelPlanner
    {
        /// <summary>
        /// Unrolled (tap × tiled channel) statements per kernel body, kept well inside the JIT's limits (60,000 IL
        /// bytes, 2,000 blocks, 1,024 tracked locals): each costs ~20 IL bytes, and a kernel holds a vector and a
        /// scalar copy for the full tile and for the remainder tile. 128 keeps a conv kernel under ~12 KB of IL.
        /// </summary>
        internal const int UnrolledTapBudget = 128;

        /// <summary>Plans one model; an unexpected failure becomes a GENCONV000 diagnostic, never an exception.</summary>
        public static PlanResult Plan(ParsedModel model, ImmutableArray<WeightFile> weightFiles, CancellationToken cancellationToken)
        {
            try
            {
                return PlanModel(model, weightFiles, cancellationToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                return new PlanResult(null, new[] { DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, model.ModelLocation, model.TypeName,
                    exception.GetType().Name + ": " + exception.Message) });
            }
        }

        /// <summary>Most layers one model may declare: generated code grows linearly with them, and so does build time.</summary>
        public const int MaxLayers = 256;

        private static PlanResult PlanModel(ParsedModel model, ImmutableArray<WeightFile> weightFiles, CancellationToken cancellationToken)
        {
            var diagnostics = new List<DiagnosticInfo>(model.Diagnostics);
            if (model.InputChannels <= 0 || model.InputHeight <= 0 || model.InputWidth <= 0)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidInput, model.ModelLocation, model.TypeName,
                    Str(model.InputChannels), Str(model.InputHeight), Str(model.InputWidth)));
            else if ((long)model.InputChannels * model.InputHeight * model.InputWidth > ShapeInference.MaxElements)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ModelTooLarge, model.ModelLocation, "input",
                    $"input {model.InputChannels}x{model.InputHeight}x{model.InputWidth} exceeds the {ShapeInference.MaxElements} floats per sample GenConv supports"));
            if (model.Layers.Count > MaxLayers)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ModelTooLarge, model.ModelLocation, "count",
                    $"{Str(model.Layers.Count)} declared, more than the {Str(MaxLayers)} GenConv generates (each layer is a set of specialized methods; more would make builds very slow)"));
            if (HasErrors(diagnostics))
                return new PlanResult(null, diagnostics.ToArray());

            var layers = new List<LayerPlan>();
            var names = new Dictionary<string, int>(StringComparer.Ordinal);
            var shape = new TensorShape(model.InputChannels, model.InputHeight, model.InputWidth);
            long parameters = 0;
            for (int i = 0; i < model.Layers.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                ParsedLayer parsed = model.Layers[i];
                LayerSpec spec = parsed.Spec;
                string label = ModelParser.Describe(i, parsed.AttributeName);
                ShapeResult result = ShapeInference.Infer(shape, spec);
                if (!result.IsValid)
                {
                    diagnostics.Add(DiagnosticInfo.Create(Descriptor(result.Error), parsed.LocationOf(result.Argument!), label, result.Message!));
                    break;
                }

                if (spec.Winograd && WinogradObstacle(spec, result.Output) is { } obstacle)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.WinogradNotApplicable, parsed.LocationOf("Winograd"), label, obstacle));

                string name = spec.Name ?? Str(i);
                if (spec.HasParameters)
                {
                    if (names.TryGetValue(name, out int other))
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateLayerName, parsed.LocationOf("Name"), label, name, Str(other)));
                    names[name] = i;
                }
                long weights = ShapeInference.WeightCount(shape, spec), biases = ShapeInference.BiasCount(spec);
                if (parameters + weights + biases > ShapeInference.MaxElements)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ModelTooLarge, parsed.Location, label,
                        $"the model's parameters would exceed the {ShapeInference.MaxElements} floats GenConv supports"));
                    break;
                }
                int tile = ChooseChannelTile(spec, result.Output);
                int weightOffset = (int)parameters;
                int biasOffset = (int)(parameters + weights);
                parameters += weights + biases;
                layers.Add(new LayerPlan(i, spec, shape, result.Output, name, weightOffset, (int)weights, biasOffset, (int)biases,
                    ShapeInference.Macs(shape, result.Output, spec), ChooseUnroll(spec, tile), tile)
                {
                    ReadsRowsInPlace = RowsReadableInPlace(spec, shape, result.Output),
                });
                shape = result.Output;
            }

            if (HasErrors(diagnostics))
                return new PlanResult(null, diagnostics.ToArray());
            FuseActivations(layers);
            byte[]? baked = model.Weights is null ? Array.Empty<byte>() : WeightBaking.Bake(model, layers, (int)parameters, weightFiles, diagnostics);
            if (baked is null)
                return new PlanResult(null, diagnostics.ToArray());
            var plan = new ModelPlan(model.Namespace, model.TypeName, model.Accessibility, model.HintName,
                new TensorShape(model.InputChannels, model.InputHeight, model.InputWidth), shape, layers.ToArray(), (int)parameters, model.InferenceOnly, model.Weights, new EquatableArray<byte>(baked));
            return new PlanResult(plan, diagnostics.ToArray());
        }

        /// <summary>
        /// Whether a convolution's forward can read its input rows in place on AVX-512: columns at stride 2, rows of 32
        /// floats (two vectors, split into their 16 even or odd columns by one two-source permute) into 16 outputs, and
        /// every tap's columns 2j + kw − padLeft at most one column past either end of the row (a lane masked to zero).
        /// Rows may stride and pad in any way; the taps of a band of 4 rows × 4 channels stay within the JIT's budget.
        /// </summary>
        public static bool RowsReadableInPlace(LayerSpec s, TensorShape input, TensorShape output) =>
            s.Kind == LayerKind.Conv2D && !s.Winograd && s.StrideW == 2 && input.Width == 32 && output.Width == 16
            && s.PadLeft <= 1 && s.KernelW - 1 - s.PadLeft <= 2
            && (long)InPlaceBandRows * InPlaceChannelTile * s.KernelH * s.KernelW <= RowBandTapBudget;

        /// <summary>
        /// Bands that read rows in place: 4 output rows × 4 channels, 16 accumulators beside the broadcasts, the row
        /// vector and the permute constants in 32 registers (L5's 6-channel tiles spilled: 12.4 µs against 10.6 in a
        /// harness, where the padded copy and its tiles took 11.5).
        /// </summary>
        public const int InPlaceBandRows = 4, InPlaceChannelTile = 4;

        /// <summary>Most FMAs one row-band helper spells out per input channel (rows × taps × channels): larger ones outgrow the JIT's budget.</summary>
        public const int RowBandTapBudget = 1200;

        /// <summary>
        /// Backward data of a stride-1 convolution is itself a forward convolution: of dY zero-padded by K − 1 − P on each
        /// side, with the kernel flipped and its channels swapped (seed 002's "full convolution"). Returns that
        /// convolution's plan, so the forward emitter serves both; null where the form does not apply (stride &gt; 1, or
        /// padding of at least the kernel size), where <see cref="PhaseGather"/> or the scatter kernel serves.
        /// </summary>
        public static LayerPlan? BackwardDataAsConvolution(LayerPlan layer)
        {
            LayerSpec s = layer.Spec;
            if (s.Kind != LayerKind.Conv2D || s.StrideH != 1 || s.StrideW != 1) return null;
            int top = s.KernelH - 1 - s.PadTop, bottom = s.KernelH - 1 - s.PadBottom, left = s.KernelW - 1 - s.PadLeft, right = s.KernelW - 1 - s.PadRight;
            if (top < 0 || bottom < 0 || left < 0 || right < 0) return null;
            // Backward data goes through Winograd too where its output, the layer's input, has even sides.
            bool winograd = s.Winograd && WinogradObstacle(s, layer.Input) is null;
            var spec = new LayerSpec(LayerKind.Conv2D, layer.Input.Channels, s.KernelH, s.KernelW, 1, 1, top, bottom, left, right, hasBias: false, winograd: winograd);
            int tile = ChooseChannelTile(spec, layer.Input);
            return new LayerPlan(layer.Index, spec, layer.Output, layer.Input, layer.ParameterName, 0, layer.WeightCount, 0, 0,
                layer.Macs, ChooseUnroll(spec, tile), tile);
        }

        /// <summary>What keeps Winograd's F(2×2, 3×3) from computing a convolution of this shape, or null when it can.</summary>
        private static string? WinogradObstacle(LayerSpec spec, TensorShape output)
        {
            if (spec.KernelH != 3 || spec.KernelW != 3) return $"a 3x3 kernel, not {Str(spec.KernelH)}x{Str(spec.KernelW)}";
            if (spec.StrideH != 1 || spec.StrideW != 1) return $"stride 1, not {Str(spec.StrideH)}x{Str(spec.StrideW)}";
            if (output.Height % 2 != 0 || output.Width % 2 != 0) return $"an even output height and width, not {output}";
            return null;
        }

        /// <summary>
        /// A ReLU or LeakyReLU right after a conv or dense layer is applied by that layer's kernel as each output is stored.
        /// The activation's backward then reads only its output, which is exact: y &gt; 0 exactly when x &gt; 0 (slope ≥ 0).
        /// </summary>
        private static void FuseActivations(List<LayerPlan> layers)
        {
            for (int i = 1; i < layers.Count; i++)
            {
                LayerSpec activation = layers[i].Spec;
                bool producer = layers[i - 1].Spec.Kind is LayerKind.Conv2D or LayerKind.Dense;
                if (producer && activation.Kind is LayerKind.ReLU or LayerKind.LeakyReLU && DerivativeFromOutput(activation))
                {
                    layers[i - 1] = layers[i - 1] with { FusedActivation = activation };
                    layers[i] = layers[i] with { ForwardFused = true };
                }
                // A ReLU's backward is a mask on dX by y > 0. Max pooling and dense layers apply it as they store their dX;
                // it is exact even where max pooling adds several dY into one element, since they all share that element's y.
                // A convolution applies it to each sample's dX once computed, and average pooling to each plane's, while
                // still in cache.
                bool consumer = i + 1 < layers.Count && layers[i + 1].Spec.Kind is LayerKind.MaxPool2D or LayerKind.AvgPool2D or LayerKind.Dense or LayerKind.Conv2D;
                if (activation.Kind == LayerKind.ReLU && consumer)
                {
                    layers[i] = layers[i] with { BackwardFused = true };
                    layers[i + 1] = layers[i + 1] with { RectifiesInputGradient = true };
                }
            }
        }

        /// <summary>
        /// Whether an activation's derivative is a function of its output alone: sigmoid y(1 − y), tanh 1 − y², and the
        /// rectifiers' x &gt; 0 test as y &gt; 0 (a LeakyReLU with a negative slope maps negatives to positives: not then).
        /// </summary>
        public static bool DerivativeFromOutput(LayerSpec activation) => !(activation.Kind == LayerKind.LeakyReLU && activation.Slope < 0);

        private static bool HasErrors(List<DiagnosticInfo> diagnostics)
        {
            foreach (DiagnosticInfo d in diagnostics)
                if (d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error) return true;
            return false;
        }

        private static WindowUnroll ChooseUnroll(LayerSpec spec, int tile)
        {
            long taps = (long)spec.KernelH * spec.KernelW;
            if (taps * tile <= UnrolledTapBudget) return WindowUnroll.Full;
            return (long)spec.KernelW * tile <= UnrolledTapBudget ? WindowUnroll.Row : WindowUnroll.None;
        }

        /// <summary>
        /// Output channels per convolution tile: 6 channels × 2 pixel vectors = 12 accumulators, plus 2 inputs and a
        /// broadcast, fit AVX2's 16 vector registers and keep AVX-512's two FMA pipes busy through the FMA latency.
        /// </summary>
        private static int ChooseChannelTile(LayerSpec spec, TensorShape output) =>
            spec.Kind == LayerKind.Conv2D ? Math.Min(6, output.Channels) : 1;

        private static DiagnosticDescriptor Descriptor(ShapeError error) => error switch
        {
            ShapeError.NonPositiveSize => DiagnosticDescriptors.NonPositiveSize,
            ShapeError.NonPositiveStride => DiagnosticDescriptors.InvalidStride,
            ShapeError.NegativePadding => DiagnosticDescriptors.NegativePadding,
            ShapeError.KernelLargerThanInput => DiagnosticDescriptors.KernelLargerThanInput,
            ShapeError.PoolPaddingTooLarge => DiagnosticDescriptors.PoolPaddingTooLarge,
            ShapeError.TooLarge => DiagnosticDescriptors.ModelTooLarge,
            _ => DiagnosticDescriptors.InvalidValue,
        };

        private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
