using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using GenConv.Generator;
using GenConv.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace GenConv.Tests
{
    /// <summary>The generator's pipeline caches: unrelated edits redo nothing, layer edits redo what they must.</summary>
    public sealed class IncrementalityTests
    {
        private const string Model = "using GenConv;\nnamespace N\n{\n[GenConvModel(1, 12, 12)] [Conv2D(4, 3)] [ReLU] [Dense(3)] public partial class M { }\n}\n";
        private static readonly string[] Steps = { GenConvGenerator.Steps.Parse, GenConvGenerator.Steps.Plan, GenConvGenerator.Steps.Models };

        private static Dictionary<string, IncrementalStepRunReason[]> RunTwice(string first, Func<Compilation, Compilation> edit)
        {
            Compilation compilation = GeneratorHarness.CreateCompilation(first);
            GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
            driver = driver.RunGenerators(edit(compilation));
            GeneratorRunResult result = driver.GetRunResult().Results.Single();
            return Steps.ToDictionary(step => step, step => result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray());
        }

        private static Compilation Replace(Compilation compilation, string newText)
        {
            SyntaxTree old = compilation.SyntaxTrees.Single();
            return compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(newText, (CSharpParseOptions)old.Options, old.FilePath));
        }

        [Fact]
        public void UnrelatedEditLeavesEveryStepCached()
        {
            var reasons = RunTwice(Model, c => c.AddSyntaxTrees(CSharpSyntaxTree.ParseText("class Unrelated { int x; }", path: "Other.cs")));
            foreach (string step in Steps)
                Assert.All(reasons[step], r => Assert.Contains(r, new[] { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged }));
        }

        [Fact]
        public void MovingTheModelReparsesButDoesNotReemit()
        {
            // Locations change, so the parse result does; the plan holds no locations and stays equal.
            var reasons = RunTwice(Model, c => Replace(c, "// a comment that shifts every line\n" + Model));
            Assert.Contains(IncrementalStepRunReason.Modified, reasons[GenConvGenerator.Steps.Parse]);
            Assert.All(reasons[GenConvGenerator.Steps.Plan], r => Assert.Equal(IncrementalStepRunReason.Unchanged, r));
            Assert.All(reasons[GenConvGenerator.Steps.Models], r => Assert.Contains(r, new[] { IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged }));
        }

        [Fact]
        public void LayerEditRegenerates()
        {
            var reasons = RunTwice(Model, c => Replace(c, Model.Replace("[Conv2D(4, 3)]", "[Conv2D(5, 3)]")));
            foreach (string step in Steps)
                Assert.Contains(IncrementalStepRunReason.Modified, reasons[step]);
        }

        /// <summary>Pipeline models must not hold Roslyn objects: they would pin compilations and defeat caching.</summary>
        [Fact]
        public void PipelineModelsHoldNoRoslynObjects()
        {
            Assembly generator = typeof(GenConvGenerator).Assembly;
            Type[] forbidden = { typeof(ISymbol), typeof(SyntaxNode), typeof(Compilation), typeof(Location), typeof(SyntaxTree), typeof(SemanticModel) };
            var roots = new[] { "GenConv.Generator.Parsing.ParsedModel", "GenConv.Generator.Planning.PlanResult" }.Select(n => generator.GetType(n, throwOnError: true)!);
            var seen = new HashSet<Type>();
            var pending = new Stack<Type>(roots);
            while (pending.Count > 0)
            {
                Type type = pending.Pop();
                if (!seen.Add(type)) continue;
                Assert.DoesNotContain(forbidden, f => f.IsAssignableFrom(type));
                if (type.IsArray) { pending.Push(type.GetElementType()!); continue; }
                foreach (Type argument in type.GetGenericArguments()) pending.Push(argument);
                if (type.Assembly != generator) continue; // framework types (string, int, TextSpan …) end the walk
                foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
                    pending.Push(field.FieldType);
            }
            Assert.Contains(seen, t => t.Name == "LayerPlan"); // the walk did reach the models
        }
    }
}
