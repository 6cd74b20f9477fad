using GenConv.Generator.Helpers;
using GenConv.Generator.Planning;
using GenConv.Model;

namespace GenConv.Generator.Emit
{
    /// <summary>
    /// Element-wise activations over the whole batch, calling the runtime's formulas in their vector form, then their
    /// scalar form for the rest, so generated and generic models share one definition of each activation.
    /// </summary>
    internal sealed class ActivationEmitter : LayerEmitter
    {
        public static readonly ActivationEmitter Instance = new ActivationEmitter();

        public override Buffer[]? Buffers(LayerPlan l, Stage stage) => stage switch
        {
            Stage.Forward => l.ForwardFused ? null : new[] { Buffer.Input, Buffer.Output },
            // The derivative from the output where it is exact (ModelPlanner.DerivativeFromOutput), so that a fused
            // activation needs no input buffer at all.
            Stage.BackwardData when l.BackwardFused => null,
            Stage.BackwardData => new[] { ModelPlanner.DerivativeFromOutput(l.Spec) ? Buffer.Output : Buffer.Input, Buffer.OutputGradient, Buffer.InputGradient },
            _ => null,
        };

        public override void EmitBody(SourceWriter w, LayerPlan l, Stage stage)
        {
            string slope = SourceWriter.Float(l.Spec.Slope);
            // v is x in forward; in backward it is y (the rectifiers test y > 0, equivalent to x > 0) or x when it must be.
            (string forward, string backward) = l.Spec.Kind switch
            {
                LayerKind.ReLU => ("Activations.Relu(v)", "Activations.ReluBackward(v, g)"),
                LayerKind.LeakyReLU => ($"Activations.LeakyRelu(v, {slope})", $"Activations.LeakyReluBackward(v, g, {slope})"),
                LayerKind.Sigmoid => ("Activations.Sigmoid(v)", "Activations.SigmoidBackward(v, g)"),
                _ => ("Activations.Tanh(v)", "Activations.TanhBackward(v, g)"),
            };
            string source = stage == Stage.Forward || !ModelPlanner.DerivativeFromOutput(l.Spec) ? "x" : "y";
            w.Line($"int i = start * {I(l.InputLength)}, last = end * {I(l.InputLength)};");
            // Vectors, then the scalar form for the rest: Activations' two forms agree bit for bit. The rectifiers'
            // vector forms are also branch-free, where random signs would mispredict a branch on every other element.
            using (w.Open("if (Vector.IsHardwareAccelerated)"))
            using (w.Open("for (; i <= last - VectorF.Count; i += VectorF.Count)"))
            {
                w.Line($"VectorF v = Vector.LoadUnsafe(ref {source}, (nuint)i);");
                if (stage == Stage.Forward)
                    w.Line($"Vector.StoreUnsafe({forward}, ref y, (nuint)i);");
                else
                {
                    w.Line("VectorF g = Vector.LoadUnsafe(ref dy, (nuint)i);");
                    w.Line($"Vector.StoreUnsafe({backward}, ref dx, (nuint)i);");
                }
            }
            using (w.Open("for (; i < last; i++)"))
            {
                w.Line($"float v = {Unsafe}.Add(ref {source}, i);");
                if (stage == Stage.Forward)
                    w.Line($"{Unsafe}.Add(ref y, i) = {forward};");
                else
                {
                    w.Line($"float g = {Unsafe}.Add(ref dy, i);");
                    w.Line($"{Unsafe}.Add(ref dx, i) = {backward};");
                }
            }
        }
    }
}
