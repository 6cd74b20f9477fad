using System;
using Xunit;

namespace GenConv.Tests.Infrastructure
{
    /// <summary>
    /// Allocation checks that hold while other test classes run. The runtime can allocate on the calling thread the first
    /// times a path runs (JIT, tiering, a helper thread late enough that the caller runs its chunks): CI once saw 1,960
    /// bytes in the second two-thread step of a model that allocates nothing per step, so one reading proves nothing.
    /// Such one-off costs do not recur in every reading; an allocation in the code measured does, so each check takes
    /// the best of a few readings.
    /// </summary>
    public static class Allocations
    {
        /// <summary>After warm-up, some window of 10 calls of <paramref name="step"/> allocates nothing on this thread (up to three windows).</summary>
        public static void AssertSteadyStateAllocatesNothing(Action step)
        {
            for (int i = 0; i < 50; i++) step();
            var windows = new long[3];
            for (int w = 0; w < windows.Length; w++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 10; i++) step();
                windows[w] = GC.GetAllocatedBytesForCurrentThread() - before;
                if (windows[w] == 0) return;
            }
            Assert.Fail($"every window of 10 calls allocated: {string.Join(", ", windows)} bytes");
        }

        /// <summary>The least this thread allocated in three runs of <paramref name="run"/> (each measured alone).</summary>
        public static long LeastOfThree(Action run) => LeastOfThree(() => 0, _ => run());

        /// <summary>The least this thread allocated in three runs of <paramref name="run"/>, each on what <paramref name="setup"/> made (not measured).</summary>
        public static long LeastOfThree<T>(Func<T> setup, Action<T> run)
        {
            long least = long.MaxValue;
            for (int attempt = 0; attempt < 3; attempt++)
            {
                T subject = setup();
                long before = GC.GetAllocatedBytesForCurrentThread();
                run(subject);
                least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
                GC.KeepAlive(subject);
            }
            return least;
        }
    }
}
