#!/usr/bin/python3
"""Times float32 GEMM in NumPy (its BLAS, OpenBLAS here) and in ED4J (JMH) on the same sizes.

Run from the repository root after `mvn -B package -DskipTests`:

    /usr/bin/python3 bench/gemm_vs_openblas.py [--sizes 256,512,1024,2048] [--quick]

It prints which BLAS NumPy uses and with how many threads, then one table row per size:
Java GFLOP/s per kernel (JMH GemmBench.square, secondary metric `gflop`), OpenBLAS GFLOP/s and
the ratio of the Java default kernel to OpenBLAS. NumPy is timed before and after the JMH run
and the better figure is kept, since the machine may be shared.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

JAR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "target", "benchmarks.jar")


def blas_info():
    """(library description, thread count) of NumPy's BLAS.

    numpy.show_config() only names the generic `blas` that Debian's NumPy links against (the
    alternatives system picks the implementation), so the library actually loaded and its thread
    count come from threadpoolctl; show_config() is printed when threadpoolctl is missing.
    """
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            if pool.get("user_api") == "blas":
                desc = "%s %s (%s, %s)" % (pool.get("internal_api"), pool.get("version"),
                                           pool.get("architecture"), pool.get("filepath"))
                return desc, pool.get("num_threads")
    except ImportError:
        pass
    np.show_config()
    return "see numpy.show_config() above", os.environ.get("OPENBLAS_NUM_THREADS", "default")


def numpy_gflops(n, seconds=1.0, repeats=3):
    """Best of `repeats` rounds, each timing a @ b for about `seconds`."""
    rng = np.random.default_rng(0)
    a = rng.random((n, n), dtype=np.float32)
    b = rng.random((n, n), dtype=np.float32)
    a @ b  # warm-up
    best = 0.0
    for _ in range(repeats):
        count = 0
        start = time.perf_counter()
        while True:
            a @ b
            count += 1
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                break
        best = max(best, 2.0 * n ** 3 * count / elapsed / 1e9)
    return best


def java_gflops(sizes, kernels, quick):
    """{(n, kernel): GFLOP/s} from one JMH run of GemmBench.square."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    cmd = ["java", "-jar", JAR, "GemmBench.square",
           "-p", "n=" + ",".join(str(n) for n in sizes),
           "-p", "kernel=" + ",".join(kernels),
           "-rf", "json", "-rff", out]
    if quick:
        cmd += ["-wi", "2", "-i", "3", "-w", "1", "-r", "1"]
    print("running:", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(out) as f:
        results = json.load(f)
    os.unlink(out)
    rates = {}
    for r in results:
        p = r["params"]
        rates[(int(p["n"]), p["kernel"])] = r["secondaryMetrics"]["gflop"]["score"]
    return rates


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="256,512,1024,2048")
    parser.add_argument("--kernels", default="VECTOR,PLAIN",
                        help="Java kernels; the first is the default one used for the ratio")
    parser.add_argument("--quick", action="store_true", help="short JMH iterations")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    kernels = args.kernels.split(",")
    if not os.path.exists(JAR):
        sys.exit("missing %s: build it with `mvn -B package -DskipTests`" % JAR)

    desc, threads = blas_info()
    print("NumPy %s, BLAS: %s, threads: %s" % (np.__version__, desc, threads))
    if str(threads) != "2":
        print("WARNING: NumPy's BLAS does not use 2 threads; the Java side uses one worker per "
              "core (%d here)" % os.cpu_count())
    print("load average before: %.2f %.2f %.2f" % os.getloadavg())
    blas = {n: numpy_gflops(n) for n in sizes}
    java = java_gflops(sizes, kernels, args.quick)
    for n in sizes:
        blas[n] = max(blas[n], numpy_gflops(n))
    print("load average after: %.2f %.2f %.2f" % os.getloadavg())

    header = ["n"] + ["Java %s" % k for k in kernels] + ["OpenBLAS", "ratio (%s)" % kernels[0]]
    print()
    print(" | ".join("%14s" % h for h in header))
    for n in sizes:
        row = ["%14d" % n]
        row += ["%14.1f" % java[(n, k)] for k in kernels]
        row += ["%14.1f" % blas[n], "%14.2f" % (java[(n, kernels[0])] / blas[n])]
        print(" | ".join(row))
    print("(GFLOP/s, float32, square n x n x n; Java from JMH, NumPy best of 1 s rounds)")


if __name__ == "__main__":
    main()
