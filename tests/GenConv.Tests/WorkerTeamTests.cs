using System;
using System.Threading;
using Xunit;

namespace GenConv.Tests
{
    /// <summary>
    /// The team hands out chunks of each region to whichever thread claims them first, so a region must be covered
    /// exactly once whatever the timing: helpers slowed at random, regions of every size back to back, failures.
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
