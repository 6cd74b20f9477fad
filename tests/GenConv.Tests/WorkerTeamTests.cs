using System;
using System.Linq;
using System.Threading;
using Xunit;

namespace GenConv.Tests
{
    /// <summary>
    /// Each thread runs its own part of a region first, then takes chunks another has not started, so a region must be
    /// covered exactly once whatever the timing: helpers slowed at random, regions of every size back to back, failures.
    /// The thread index a part gets is the generated models' per-thread scratch slot: never two parts on one at once.
    /// </summary>
    public sealed class WorkerTeamTests
    {
        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void EveryIndexRunsExactlyOnceWhateverTheTiming(int threads)
        {
            WorkerTeam team = WorkerTeam.Shared(threads);
            var random = new SeededRandom(17);
            int[] hits = new int[200];
            int[] busy = new int[threads], managedThread = new int[threads];
            for (int run = 0; run < 3000; run++)
            {
                int count = 1 + random.NextInt(hits.Length);
                int region = run;
                bool slow = run % 50 == 0; // now and then a chunk sleeps, so the others claim the rest meanwhile
                Array.Clear(hits);
                team.Run((r, thread, start, end) =>
                {
                    Assert.Equal(region, r);
                    Assert.True(0 <= start && start < end && end <= count, $"part [{start}, {end}) of {count}");
                    Assert.InRange(thread, 0, threads - 1);
                    Assert.True(Interlocked.Exchange(ref busy[thread], 1) == 0, $"thread index {thread} given to two parts at once");
                    // An index is always the same team thread (0 the caller's), whose own caches hold its scratch.
                    int id = Environment.CurrentManagedThreadId, seen = Interlocked.CompareExchange(ref managedThread[thread], id, 0);
                    Assert.True(seen == 0 || seen == id, $"thread index {thread} ran on two threads");
                    if (slow && start == 0) Thread.Sleep(1);
                    for (int i = start; i < end; i++) Interlocked.Increment(ref hits[i]);
                    Volatile.Write(ref busy[thread], 0);
                }, region, count);
                for (int i = 0; i < count; i++)
                    Assert.True(hits[i] == 1, $"run {run}: index {i} of {count} ran {hits[i]} times");
            }
        }

        [Fact]
        public void EachThreadRunsItsOwnPartFirstAndTakesWhatAnotherLeaves()
        {
            // 8 chunks of one index: the caller owns [0, 4), the helper [4, 8). The helper's first chunk sleeps, so the
            // caller runs its own part, in order, then takes the helper's chunks not yet started.
            WorkerTeam team = WorkerTeam.Shared(2);
            int caller = Environment.CurrentManagedThreadId;
            var ranBy = new int[8];
            var callerOrder = new System.Collections.Concurrent.ConcurrentQueue<int>();
            team.Run((_, thread, start, end) =>
            {
                Assert.Equal(start + 1, end);
                ranBy[start] = Environment.CurrentManagedThreadId;
                Assert.Equal(ranBy[start] == caller ? 0 : 1, thread);
                if (ranBy[start] == caller) callerOrder.Enqueue(start);
                else if (start == 4) Thread.Sleep(100);
            }, 0, 8);
            int[] order = callerOrder.ToArray();
            Assert.Equal(new[] { 0, 1, 2, 3 }, order[..4]);
            if (ranBy[4] != caller) // the helper woke in time for its own first chunk: the caller took the rest of its part
                Assert.Equal(new[] { 5, 6, 7 }, order[4..]);
            else // it woke late: the caller took the helper's chunks in order, the helper any it claimed first once awake
            {
                Assert.Equal(order[4..].Order(), order[4..]);
                Assert.All(ranBy, id => Assert.NotEqual(0, id));
            }
        }

        [Fact]
        public void AFailedPartSurfacesAfterTheRegionAndTheTeamKeepsWorking()
        {
            WorkerTeam team = WorkerTeam.Shared(2);
            int ran = 0;
            var error = Assert.Throws<AggregateException>(() => team.Run((_, _, start, end) =>
            {
                Interlocked.Add(ref ran, end - start);
                if (start == 0) throw new InvalidOperationException("part failed");
            }, 0, 64));
            Assert.IsType<InvalidOperationException>(error.InnerException);
            Assert.Equal(64, ran); // the other parts still ran: the region ends whole before the failure is thrown

            int sum = 0;
            team.Run((_, _, start, end) => Interlocked.Add(ref sum, end - start), 1, 100);
            Assert.Equal(100, sum);
        }
    }
}
