using System;
using System.Diagnostics;
using System.IO;
using Xunit;

namespace GenConv.Tests.Infrastructure
{
    /// <summary>Runs tests/GenConv.DeterminismProbe (copied next to the tests) in a child process with extra environment variables.</summary>
    public static class Probe
    {
        public static string[] Run(int threads, params (string Name, string Value)[] environment)
        {
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "GenConv.DeterminismProbe.dll"));
            start.ArgumentList.Add(threads.ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (string name in new[] { "DOTNET_EnableAVX512", "DOTNET_EnableAVX2", "DOTNET_EnableHWIntrinsic", "DOTNET_JitStdOutFile", "DOTNET_JitDisasmSummary" })
                start.Environment.Remove(name);
            foreach (var (name, value) in environment) start.Environment[name] = value;
            using Process process = Process.Start(start)!;
            var error = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(300_000)) process.Kill(entireProcessTree: true);
            Assert.True(process.ExitCode == 0, $"probe ({string.Join(", ", environment)}, {threads} threads) failed with {process.ExitCode}: {error.Result}");
            return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
    }
}
