using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using GenConv.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace GenConv.Tests
{
    /// <summary>
    /// Generated kernels must stay inside the JIT's optimization limits: a method over them (IL size, blocks, locals)
    /// is compiled with MinOpts, unoptimized. The probe runs every workload's kernels in a child process with the JIT's
    /// compilation summary on; no generated method may appear as MinOpts.
    /// </summary>
    public sealed class JitTests
    {
        private readonly ITestOutputHelper output;

        public JitTests(ITestOutputHelper output) => this.output = output;

        [Fact]
        public void NoGeneratedMethodIsCompiledWithMinOpts()
        {
            string summary = Path.Combine(Path.GetTempPath(), $"genconv-jit-{Guid.NewGuid():N}.txt");
            try
            {
                Probe.Run(2, ("DOTNET_JitStdOutFile", summary), ("DOTNET_JitDisasmSummary", "1"));
                // Lines look like: "12: JIT compiled GenConv.Workloads.L4:Layer0Forward(int,int,int,byref,…) [FullOpts, IL size=18006, code size=6683]"
                var generated = File.ReadAllLines(summary)
                    .Select(line => Regex.Match(line, @"JIT compiled (GenConv\.Workloads\.\w+:\S+)\(.*\[(\w+)[^\]]*IL size=(\d+)"))
                    .Where(m => m.Success)
                    .Select(m => (Method: m.Groups[1].Value, Tier: m.Groups[2].Value, IlSize: int.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture)))
                    .ToList();
                var kernels = generated.Where(g => g.Method.Contains(":Layer", StringComparison.Ordinal)).ToList();
                // Each workload's kernels ran: compiled on their own, or (a pool's kernel is one call into the runtime) inlined
                // into the region dispatch, which is compiled at full opts like them.
                foreach (string id in new[] { "L1", "L2", "L3", "L4", "L5", "L6", "L7", "L8", "L9", "M1", "M2", "L5Inference", "PoolingWindows", "L4Winograd", "M2Winograd" })
                    Assert.Contains(generated, g => g.Method.StartsWith($"GenConv.Workloads.{id}:", StringComparison.Ordinal)
                        && (g.Method.Contains(":Layer", StringComparison.Ordinal) || g.Method.EndsWith(":RunRegion", StringComparison.Ordinal)) && g.Tier == "FullOpts");
                Assert.Contains(kernels, k => k.Method == "GenConv.Workloads.L5:Layer0Infer"); // a trainable model's inference alone
                Assert.Empty(generated.Where(g => g.Tier == "MinOpts").Select(g => $"{g.Method} (IL {g.IlSize})"));
                var largest = kernels.MaxBy(k => k.IlSize);
                output.WriteLine($"{generated.Count} compilations of generated methods, {kernels.Count} of kernels, none MinOpts; " +
                                 $"tiers: {string.Join(", ", generated.GroupBy(g => g.Tier).Select(g => $"{g.Key} {g.Count()}"))}; largest kernel {largest.Method} with {largest.IlSize} bytes of IL");
            }
            finally
            {
                File.Delete(summary);
            }
        }

        /// <summary>
        /// Vector helpers such as Vector512.Create(lower, upper) are ordinary methods that the JIT inlines; in a method as
        /// large as a kernel its inliner can run out of budget and call them instead (a 15× slower dense layer until the
        /// emitter switched to hardware intrinsics, which are always expanded). No kernel may call into the vector APIs.
        /// </summary>
        [Fact]
        public void NoGeneratedKernelCallsAVectorHelper()
        {
            string listing = Path.Combine(Path.GetTempPath(), $"genconv-disasm-{Guid.NewGuid():N}.txt");
            try
            {
                Probe.Run(1, ("DOTNET_JitStdOutFile", listing), ("DOTNET_JitDisasm", "Layer*"));
                string method = "", text = File.ReadAllText(listing);
                int methods = 0;
                var calls = new System.Collections.Generic.List<string>();
                string[] meantToInline = RuntimeHelpersMeantToInline();
                foreach (string line in text.Split('\n'))
                {
                    Match header = Regex.Match(line, @"; Assembly listing for method (\S+)");
                    if (header.Success) (method, methods) = (header.Groups[1].Value, methods + 1);
                    else if (Regex.IsMatch(line, @"\bcall\b.*System\.(Runtime\.Intrinsics|Numerics)\.")
                        || (line.Contains("call") && meantToInline.Any(helper => line.Contains(helper, StringComparison.Ordinal))))
                        calls.Add($"{method}: {line.Trim()}");
                }
                Assert.True(methods > 50, $"the listing holds {methods} kernels");
                Assert.Empty(calls);
                output.WriteLine($"{methods} kernel listings, no calls into the vector APIs");
            }
            finally
            {
                File.Delete(listing);
            }
        }

        /// <summary>
        /// "[GenConv.Kernels.Interleave:MergeOdd(" and the like: the runtime's kernel helpers marked AggressiveInlining, which
        /// a kernel calls only when the JIT ran out of inlining budget in it (a gather tile with every shape in one method
        /// called Interleave.MergeOdd 12 times).
        /// </summary>
        private static string[] RuntimeHelpersMeantToInline() =>
            typeof(GenConv.Kernels.Interleave).Assembly.GetTypes()
                .Where(t => t.Namespace == "GenConv.Kernels")
                .SelectMany(t => t.GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.DeclaredOnly)
                    .Where(m => (m.MethodImplementationFlags & System.Reflection.MethodImplAttributes.AggressiveInlining) != 0)
                    .Select(m => $"[{t.FullName}:{m.Name}("))
                .Distinct().ToArray();
    }
}
