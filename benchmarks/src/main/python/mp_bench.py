#!/usr/bin/env python3
"""Python 3 standard-library multiprocessing baselines for the Async Parallel benchmark suite.

Run by the Java harness (org.asyncparallel.benchmarks.Benchmarks); prints one line per figure:

    <name> <kind> <sample> <sample> ...

kind is "s" (seconds per operation) or "items/s". Every figure uses the fork start method.
Usage: mp_bench.py [scale]   (scale multiplies the repetition counts; default 1.0)
"""
import multiprocessing as mp
import sys
import time


def noop():
    pass


def trivial(x):
    return x


def echo(conn, n):
    for _ in range(n):
        conn.send_bytes(conn.recv_bytes())
    conn.close()


def emit(name, kind, samples):
    print(name, kind, " ".join(repr(s) for s in samples), flush=True)


def main():
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    reps = lambda n: max(3, int(n * scale))
    ctx = mp.get_context("fork")
    now = time.perf_counter

    # Process start + join, fork start method, a trivial target.
    samples = []
    for i in range(5 + reps(40)):
        t0 = now()
        p = ctx.Process(target=noop)
        p.start()
        p.join()
        if i >= 5:
            samples.append(now() - t0)
    emit("process_fork_start_join", "s", samples)

    # Pool.apply round trip (default pool size = os.cpu_count()).
    with ctx.Pool() as pool:
        samples = []
        for i in range(200 + reps(2000)):
            t0 = now()
            pool.apply(trivial, (1,))
            if i >= 200:
                samples.append(now() - t0)
        emit("pool_apply", "s", samples)

        # Pool.map of 10,000 trivial items, default chunking.
        samples = []
        items = range(10000)
        for i in range(2 + reps(10)):
            t0 = now()
            out = pool.map(trivial, items)
            dt = now() - t0
            assert len(out) == 10000
            if i >= 2:
                samples.append(10000 / dt)
        emit("pool_map_10000", "items/s", samples)

    # Pipe ping-pong, 64-byte messages (send_bytes/recv_bytes: no pickling).
    warm, n = 2000, reps(20000)
    a, b = ctx.Pipe()
    p = ctx.Process(target=echo, args=(b, warm + n))
    p.start()
    b.close()
    msg = b"x" * 64
    samples = []
    for i in range(warm + n):
        t0 = now()
        a.send_bytes(msg)
        a.recv_bytes()
        if i >= warm:
            samples.append(now() - t0)
    p.join()
    emit("pipe_pingpong_64", "s", samples)


if __name__ == "__main__":
    main()
