using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;

namespace GenConv
{
    /// <summary>The work of one parallel region: part [start, end) of region <paramref name="region"/>'s range.</summary>
    public delegate void RegionAction(int region, int start, int end);

    /// <summary>
    /// A fixed team of threads that splits a range into contiguous parts, one per thread, the calling thread taking the
    /// first. Generated models use it for batch-parallel training: their kernels give the same bits for any split, so
    /// the thread count changes speed, never results. Runs allocate nothing; the helper threads wait spinning briefly,
    /// then blocking, between regions. One team serves one region at a time (concurrent callers take turns).
    /// </summary>
    public sealed class WorkerTeam
    {
        private static readonly ConcurrentDictionary<int, WorkerTeam> SharedTeams = new();
        private readonly object gate = new();
        private readonly ManualResetEventSlim[] start, done;
        private readonly Exception?[] failures;
        private RegionAction? action;
        private int region, count;

        /// <summary>The process-wide team of <paramref name="threads"/> threads (created on first use; its helpers are background threads).</summary>
        public static WorkerTeam Shared(int threads)
        {
            if (threads < 1 || threads > 256)
                throw new ArgumentOutOfRangeException(nameof(threads), threads, "threads must be between 1 and 256.");
            return SharedTeams.GetOrAdd(threads, static t => new WorkerTeam(t));
        }

        private WorkerTeam(int threads)
        {
            Threads = threads;
            start = new ManualResetEventSlim[threads];
            done = new ManualResetEventSlim[threads];
            failures = new Exception?[threads];
            for (int t = 1; t < threads; t++)
            {
                start[t] = new ManualResetEventSlim(false, spinCount: 2000);
                done[t] = new ManualResetEventSlim(false, spinCount: 2000);
                // An event creates its wait lock (24 bytes) the first time a wait blocks. Both are made to block once here
                // (1 ms each), so that no Run ever allocates: with the spinning, a first block could come at any later Run.
                start[t].Wait(1);
                done[t].Wait(1);
                int index = t;
                new Thread(() => Work(index)) { IsBackground = true, Name = $"GenConv worker {t}/{threads}" }.Start();
            }
        }

        public int Threads { get; }

        /// <summary>Part t of [0, count) is [count·t/T, count·(t+1)/T): contiguous, in order, and fixed by count and T alone.</summary>
        public static (int Start, int End) Part(int count, int part, int parts) =>
            ((int)((long)count * part / parts), (int)((long)count * (part + 1) / parts));

        /// <summary>Runs <paramref name="work"/> over [0, <paramref name="workCount"/>) split among the team; returns when every part is done.</summary>
        public void Run(RegionAction work, int workRegion, int workCount)
        {
            ArgumentNullException.ThrowIfNull(work);
            ArgumentOutOfRangeException.ThrowIfNegative(workCount);
            if (Threads == 1 || workCount < 2)
            {
                work(workRegion, 0, workCount);
                return;
            }
            lock (gate)
            {
                action = work;
                region = workRegion;
                count = workCount;
                for (int t = 1; t < Threads; t++) start[t].Set();
                Exception? failure = null;
                try
                {
                    RunPart(0);
                }
                catch (Exception exception)
                {
                    failure = exception;
                }
                for (int t = 1; t < Threads; t++)
                {
                    SpinUntilSet(done[t]);
                    done[t].Wait();
                    done[t].Reset();
                    failure ??= failures[t];
                    failures[t] = null;
                }
                action = null;
                if (failure is not null) throw new AggregateException("A parallel region failed.", failure);
            }
        }

        /// <summary>
        /// Spins (without yielding) up to <see cref="SpinMicroseconds"/> for the event before the caller blocks on it: a
        /// blocked thread can take tens of microseconds to wake (more in a VM), longer than many regions last, and a
        /// training step runs one region per layer stage back to back.
        /// </summary>
        private static void SpinUntilSet(ManualResetEventSlim signal)
        {
            long deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * SpinMicroseconds / 1_000_000;
            while (!signal.IsSet && Stopwatch.GetTimestamp() < deadline) Thread.SpinWait(8);
        }

        private const long SpinMicroseconds = 200;

        private void RunPart(int part)
        {
            var (from, to) = Part(count, part, Threads);
            if (from < to) action!(region, from, to);
        }

        private void Work(int index)
        {
            while (true)
            {
                SpinUntilSet(start[index]);
                start[index].Wait();
                start[index].Reset();
                try
                {
                    RunPart(index);
                }
                catch (Exception exception)
                {
                    failures[index] = exception;
                }
                done[index].Set();
            }
        }
    }
}
