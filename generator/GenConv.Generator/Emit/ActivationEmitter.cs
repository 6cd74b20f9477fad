using GenConv.Generator.Helpers;
using GenConv.Generator.Planning;
using GenConv.Model;

namespace GenConv.Generator.Emit
{
    /// <summary>
    /// Element-wise activations over the whole batch, calling the runtime's formulas (inlined by the JIT), so generated
    /// and generic models share one definition of each activation; ReLU and LeakyReLU run as vector selections.
    /// </summary>
    internal sealed class ActivationEmitter : LayerEmitter
    {
        public static readonly ActivationEmitter Instance = new ActivationEmitter();

        public override Buffer[]? Buffers(LayerPlan l, Stage stage) => stage switch
        {
            Stage.Forward => new[] { Buffer.Input, Buffer.Output },
            Stage.BackwardData => new[] { Buffer.Input, Buffer.Output, Buffer.OutputGradient, Buffer.InputGradient },
            _ => null,
        };

        public override void EmitBody(SourceWriter w, LayerPlan l, Stage stage)
        {
            string slope = SourceWriter.Float(l.Spec.Slope);
            (string forward, string backward) = l.Spec.Kind switch
            {
                LayerKind.ReLU => ("Activations.Relu(xv)", "Activations.ReluBackward(xv, g)"),
                LayerKind.LeakyReLU => ($"Activations.LeakyRelu(xv, {slope})", $"Activations.LeakyReluBackward(xv, g, {slope})"),
                LayerKind.Sigmoid => ("Activations.Sigmoid(xv)", "Activations.SigmoidBackward(yv, g)"),
                _ => ("Activations.Tanh(xv)", "Activations.TanhBackward(yv, g)"),
            };
            bool piecewiseLinear = l.Spec.Kind is LayerKind.ReLU or LayerKind.LeakyReLU;
            w.Line($"int i = start * {I(l.InputLength)}, last = end * {I(l.InputLength)};");
            if (piecewiseLinear)
            {
                // Branch-free vectors: random signs would mispredict a branch on every other element.
                string vectorSlope = l.Spec.Kind == LayerKind.LeakyReLU ? $", {slope}" : "";
                string name = l.Spec.Kind == LayerKind.ReLU ? "Relu" : "LeakyRelu";
                using (w.Open("if (Vector.IsHardwareAccelerated)"))
                using (w.Open("for (; i <= last - VectorF.Count; i += VectorF.Count)"))
                {
                    w.Line("VectorF xv = Vector.LoadUnsafe(ref x, (nuint)i);");
                    w.Line(stage == Stage.Forward
                        ? $"Vector.StoreUnsafe(Activations.{name}(xv{vectorSlope}), ref y, (nuint)i);"
                        : $"Vector.StoreUnsafe(Activations.{name}Backward(xv, Vector.LoadUnsafe(ref dy, (nuint)i){vectorSlope}), ref dx, (nuint)i);");
                }
            }
            using (w.Open("for (; i < last; i++)"))
            {
                w.Line($"float xv = {Unsafe}.Add(ref x, i);");
                if (stage == Stage.Forward)
                    w.Line($"{Unsafe}.Add(ref y, i) = {forward};");
                else
                {
                    w.Line($"float yv = {Unsafe}.Add(ref y, i);");
                    w.Line($"float g = {Unsafe}.Add(ref dy, i);");
                    w.Line($"{Unsafe}.Add(ref dx, i) = {backward};");
                }
            }
        }
    }
}
