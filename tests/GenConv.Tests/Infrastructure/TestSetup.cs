using System.Runtime.CompilerServices;

namespace GenConv.Tests.Infrastructure
{
    internal static class TestSetup
    {
        /// <summary>
        /// Models with Threads &gt; 1 hand every region to the team, however little work it holds: the tests' small batches
        /// would otherwise run most regions on one thread, and the comparisons of thread counts would check nothing.
        /// </summary>
        [ModuleInitializer]
        internal static void SplitEveryRegion() => WorkerTeam.MinimumParallelWork = 0;
    }
}
