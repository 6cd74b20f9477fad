using System;
using System.Threading;
using Xunit;

namespace GenConv.Tests
{
    /// <summary>
    /// Each thread runs its own part of a region first, then takes chunks another has not started, so a region must be
    /// covered exactly once whatever the timing: helpers slowed at random, regions of every size back to back, failures.
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
            for (int run = 0; run < 3000; run++)
            {
                int count = 1 + random.NextInt(hits.Length);
                int region = run;
                bool slow = run % 50 == 0; // now and then a chunk sleeps, so the others claim the rest meanwhile
                Array.Clear(hits);
                team.Run((r, start, end) =>
                {
                    Assert.Equal(region, r);
                    Assert.True(0 <= start && start < end && end <= count, $"part [{start}, {end}) of {count}");
                    if (slow && start == 0) Thread.Sleep(1);
                    for (int i = start; i < end; i++) Interlocked.Increment(ref hits[i]);
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
            team.Run((_, start, end) =>
            {
                Assert.Equal(start + 1, end);
                ranBy[start] = Environment.CurrentManagedThreadId;
                if (ranBy[start] == caller) callerOrder.Enqueue(start);
                else if (start == 4) Thread.Sleep(100);
            }, 0, 8);
            int[] order = callerOrder.ToArray();
            Assert.Equal(new[] { 0, 1, 2, 3 }, order[..4]);
            if (ranBy[4] != caller) // the helper woke in time for its own first chunk: the caller took the rest of its part
                Assert.Equal(new[] { 5, 6, 7 }, order[4..]);
            else // it woke late: the caller ran everything, in order
                Assert.Equal(new[] { 4, 5, 6, 7 }, order[4..]);
        }

        [Fact]
        public void AFailedPartSurfacesAfterTheRegionAndTheTeamKeepsWorking()
        {
            WorkerTeam team = WorkerTeam.Shared(2);
            int ran = 0;
            var error = Assert.Throws<AggregateException>(() => team.Run((_, start, end) =>
            {
                Interlocked.Add(ref ran, end - start);
                if (start == 0) throw new InvalidOperationException("part failed");
            }, 0, 64));
            Assert.IsType<InvalidOperationException>(error.InnerException);
            Assert.Equal(64, ran); // the other parts still ran: the region ends whole before the failure is thrown

            int sum = 0;
            team.Run((_, start, end) => Interlocked.Add(ref sum, end - start), 1, 100);
            Assert.Equal(100, sum);
        }
    }
}
