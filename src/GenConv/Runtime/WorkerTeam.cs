using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;

namespace GenConv
{
    /// <summary>
    /// The work of one parallel region: part [start, end) of region <paramref name="region"/>'s range, run by team thread
    /// <paramref name="thread"/> (0 is the caller). A thread runs one part at a time, so scratch memory indexed by the
    /// thread is never in use twice at once: one slot per thread, where one per sample would grow with the batch.
    /// </summary>
    public delegate void RegionAction(int region, int thread, int start, int end);

    /// <summary>
    /// A fixed team of threads that splits a range into contiguous chunks (a few per thread), the calling thread among
    /// them. Generated models use it for batch-parallel training: their kernels give the same bits for any split and any
    /// thread running any chunk, so the thread count changes speed, never results.
    /// <para>Thread t owns the chunks of part t of the range and runs them first, in order; only then does it take chunks
    /// another thread has not started. So from region to region a thread works on the same samples, whose data its own
    /// caches hold: on a machine whose cores share no cache, a line written by one core costs the other a transfer
    /// between core complexes (about 250 ns here), and regions that stream activations ran at half speed on two threads
    /// when any thread could take any chunk. A helper that is descheduled when a region starts still costs at most the
    /// chunk it claimed, since the others take its chunks left and wait only for claimed ones.</para>
    /// Runs allocate nothing; the helper threads wait spinning briefly, then blocking, between regions. One team serves
    /// one region at a time (concurrent callers take turns).
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
        /// <summary>Per thread (one per 128 bytes, so claims on one never contend with another's): the region's generation
        /// (high 32 bits) and the thread's next unclaimed chunk (low 32), counted from the first chunk it owns. A chunk is
        /// claimed by a compare-exchange that also checks the generation, so a helper waking late never claims a chunk of a
        /// later region with what it read of an earlier one.</summary>
        private readonly long[] tickets;
        private const int TicketStride = 16;
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
            tickets = new long[threads * TicketStride];
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

        /// <summary>
        /// Work (in multiply-accumulates; the default is about 3–5 µs here) below which a generated model runs a region on
        /// the calling thread alone: handing a region to the team and waiting for it costs a few microseconds, and the
        /// helper's first touches of data the caller wrote cost more (a region of 16 µs took 23 µs on two threads of this
        /// machine). Results never depend on it; 0 hands every region to the team (the tests do, to exercise every split).
        /// </summary>
        public static long MinimumParallelWork { get; set; } = DefaultMinimumParallelWork;

        public const long DefaultMinimumParallelWork = 500_000;

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
                work(workRegion, 0, 0, workCount);
                return;
            }
            lock (gate)
            {
                // Closed first: a helper that read the last region's (spent) ticket and then these fields half written
                // finds its claim refused; opening the new generation (a full fence) publishes them complete.
                long generation = (Volatile.Read(ref tickets[0]) >> 32) + 1;
                for (int t = 0; t < Threads; t++) Interlocked.Exchange(ref tickets[t * TicketStride], (generation << 32) | Closed);
                action = work;
                region = workRegion;
                count = workCount;
                chunks = Math.Min(workCount, Threads * ChunksPerThread);
                completed = 0;
                failure = null;
                finished.Reset();
                for (int t = 0; t < Threads; t++) Interlocked.Exchange(ref tickets[t * TicketStride], generation << 32);
                for (int t = 1; t < Threads; t++) start[t].Set();
                RunChunks(0);
                SpinUntilSet(finished);
                finished.Wait();
                action = null;
                if (failure is not null) throw new AggregateException("A parallel region failed.", failure);
            }
        }

        /// <summary>Runs thread <paramref name="self"/>'s own chunks of the current region, then any other thread's left; the thread finishing the last chunk says so.</summary>
        private void RunChunks(int self)
        {
            for (int k = 0; k < Threads; k++)
                while (TryRunChunkOf((self + k) % Threads, self)) { }
        }

        /// <summary>Claims and runs (as thread <paramref name="self"/>) the next chunk owned by thread <paramref name="owner"/>; false when it has none left (or no region is open).</summary>
        private bool TryRunChunkOf(int owner, int self)
        {
            ref long ticket = ref tickets[owner * TicketStride];
            while (true)
            {
                long claimed = Volatile.Read(ref ticket);
                int next = (int)(claimed & uint.MaxValue);
                // Read after the ticket: the region these belong to is the ticket's, or a later one, whose ticket was closed
                // before they changed (so the exchange below fails).
                RegionAction? work = action;
                int workRegion = region, workCount = count, workChunks = chunks;
                var (first, end) = Part(workChunks, owner, Threads);
                if (work is null || next >= end - first) return false;
                if (Interlocked.CompareExchange(ref ticket, claimed + 1, claimed) != claimed) continue;
                try
                {
                    var (from, to) = Part(workCount, first + next, workChunks);
                    work(workRegion, self, from, to);
                }
                catch (Exception exception)
                {
                    Interlocked.CompareExchange(ref failure, exception, null);
                }
                if (Interlocked.Increment(ref completed) == workChunks) finished.Set();
                return true;
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
                RunChunks(index);
            }
        }
    }
}
