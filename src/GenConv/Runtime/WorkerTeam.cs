using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;

namespace GenConv
{
    /// <summary>The work of one parallel region: part [start, end) of region <paramref name="region"/>'s range.</summary>
    public delegate void RegionAction(int region, int start, int end);

    /// <summary>
    /// A fixed team of threads that splits a range into contiguous chunks (a few per thread) which the threads claim in
    /// turn, the calling thread among them. Generated models use it for batch-parallel training: their kernels give the
    /// same bits for any split and any thread running any chunk, so the thread count changes speed, never results. A
    /// helper that is descheduled when a region starts costs at most the chunk it claimed, since the caller takes the
    /// chunks left and waits only for claimed ones. Runs allocate nothing; the helper threads wait spinning briefly, then
    /// blocking, between regions. One team serves one region at a time (concurrent callers take turns).
    /// </summary>
    public sealed class WorkerTeam
    {
        private static readonly ConcurrentDictionary<int, WorkerTeam> SharedTeams = new();
        private readonly object gate = new();
        private readonly ManualResetEventSlim[] start;
        private readonly ManualResetEventSlim finished = new(false, spinCount: 2000);
        private RegionAction? action;
        private int region, count, chunks, completed;
        private Exception? failure;
        /// <summary>The region's generation (high 32 bits) and its next unclaimed chunk (low 32): a chunk is claimed by a
        /// compare-exchange that also checks the generation, so a helper waking late never claims a chunk of a later region
        /// with what it read of an earlier one.</summary>
        private long ticket;
        /// <summary>A chunk index no region reaches: the ticket while a region's fields are being set.</summary>
        private const long Closed = int.MaxValue;

        /// <summary>Chunks per thread: enough for a late helper to cost little, few enough that each stays a whole tile of work.</summary>
        private const int ChunksPerThread = 4;

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
            // An event creates its wait lock (24 bytes) the first time a wait blocks. Each is made to block once here
            // (1 ms), so that no Run ever allocates: with the spinning, a first block could come at any later Run.
            finished.Wait(1);
            for (int t = 1; t < threads; t++)
            {
                start[t] = new ManualResetEventSlim(false, spinCount: 2000);
                start[t].Wait(1);
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
                // Closed first: a helper that read the last region's (spent) ticket and then these fields half written
                // finds its claim refused; opening the new generation (a full fence) publishes them complete.
                long generation = (Volatile.Read(ref ticket) >> 32) + 1;
                Interlocked.Exchange(ref ticket, (generation << 32) | Closed);
                action = work;
                region = workRegion;
                count = workCount;
                chunks = Math.Min(workCount, Threads * ChunksPerThread);
                completed = 0;
                failure = null;
                finished.Reset();
                Interlocked.Exchange(ref ticket, generation << 32);
                for (int t = 1; t < Threads; t++) start[t].Set();
                RunChunks();
                SpinUntilSet(finished);
                finished.Wait();
                action = null;
                if (failure is not null) throw new AggregateException("A parallel region failed.", failure);
            }
        }

        /// <summary>Claims and runs chunks of the current region until none is left; the thread finishing the last one says so.</summary>
        private void RunChunks()
        {
            while (true)
            {
                long claimed = Volatile.Read(ref ticket);
                int chunk = (int)(claimed & uint.MaxValue);
                // Read after the ticket: the region these belong to is the ticket's, or a later one, whose ticket was closed
                // before they changed (so the exchange below fails).
                RegionAction? work = action;
                int workRegion = region, workCount = count, workChunks = chunks;
                if (work is null || chunk >= workChunks) return;
                if (Interlocked.CompareExchange(ref ticket, claimed + 1, claimed) != claimed) continue;
                try
                {
                    var (from, to) = Part(workCount, chunk, workChunks);
                    work(workRegion, from, to);
                }
                catch (Exception exception)
                {
                    Interlocked.CompareExchange(ref failure, exception, null);
                }
                if (Interlocked.Increment(ref completed) == workChunks) finished.Set();
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

        private void Work(int index)
        {
            while (true)
            {
                SpinUntilSet(start[index]);
                start[index].Wait();
                start[index].Reset();
                RunChunks();
            }
        }
    }
}
