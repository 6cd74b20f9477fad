using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using Xunit;

namespace GenConv.Tests.Infrastructure
{
    /// <summary>Runs the dotnet CLI from tests, and knows where the repository is.</summary>
    public static class Dotnet
    {
        public const string Configuration =
#if DEBUG
            "Debug";
#else
            "Release";
#endif

        /// <summary>tests/GenConv.Tests, as recorded at build time (see the AssemblyMetadata in the project file).</summary>
        public static string TestProjectDirectory =>
            typeof(Dotnet).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "GenConvTestProjectDirectory").Value!;

        public static string RepositoryRoot => Path.GetFullPath(Path.Combine(TestProjectDirectory, "..", ".."));

        /// <summary>Runs <c>dotnet args…</c> in <paramref name="directory"/>; fails the test with its output unless it exits with 0.</summary>
        public static string Run(string directory, string[] arguments, params (string Name, string Value)[] environment)
        {
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                WorkingDirectory = directory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string argument in arguments) start.ArgumentList.Add(argument);
            start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            start.Environment["DOTNET_NOLOGO"] = "1";
            start.Environment.Remove("MSBuildExtensionsPath"); // set by the test host's own build; a child build must find its own
            start.Environment.Remove("MSBUILD_EXE_PATH");
            start.Environment.Remove("MSBuildSDKsPath");
            foreach (var (name, value) in environment) start.Environment[name] = value;
            using Process process = Process.Start(start)!;
            var error = process.StandardError.ReadToEndAsync();
            string output = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(600_000)) process.Kill(entireProcessTree: true);
            Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{output}\n{error.Result}");
            return output;
        }
    }
}
