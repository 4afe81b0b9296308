"""ED training step and inference, the engine beside PyTorch, on the CPU, in one run.

Runs, for each configuration (small: 128 px with resnet18 channels; published: 256 px with
wide_resnet50_2 channels; widths 256 and 512, 8 heads, 3 layers, batch 1):
  - the engine: java -cp bench/target/benchmarks.jar ed4j.bench.EdBench MODE CONFIG ...
  - PyTorch 1.13: the reference implementation tests/python/ed_reference.py, same shapes,
    the same published two-step loop, torch.set_num_threads(threads); for training also a
    row "train1" where PyTorch backpropagates loss1 + loss2 in one pass, as the engine does
    (the published code takes two passes; the gradients are the same)
each in its own process, and prints median milliseconds, the ratio and the peak resident
memory (VmHWM) of both. The engine runs with the JVM options of JAVA_OPTS (printed first).

Usage: /usr/bin/python3 bench/ed_vs_pytorch.py [--configs small,published] [--modes train,infer]
                                             [--reps N] [--java-opts "..."]
Build first: mvn -B -q package -DskipTests
"""
import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "python"))


def peak_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def torch_run(mode, config, warmup, reps, threads):
    import torch
    import torchvision
    import ed_reference as ed
    torch.set_num_threads(threads)
    torch.manual_seed(3407)
    size = 256 if config == "published" else 128
    arch = "wide_resnet50_2" if config == "published" else "resnet18"
    chans = [512, 1024] if config == "published" else [128, 256]
    models, refs, tokens = [], [], []
    for lvl, (c, d) in enumerate(zip(chans, [256, 512])):
        g = size // (8 << lvl)
        models.append(ed.ED(c, d, g, g))
        refs.append(torch.rand(c, g * g))
        tokens.append(torch.rand(1, g * g, c))
    times = []
    if mode in ("train", "train1"):
        opt = torch.optim.Adam([p for m in models for p in m.parameters()], lr=1e-4)
        for i in range(warmup + reps):
            t0 = time.perf_counter()
            ed.published_step(models, opt, tokens, refs, one_pass=mode == "train1")
            if i >= warmup:
                times.append((time.perf_counter() - t0) * 1000)
    else:
        net = getattr(torchvision.models, arch)().eval()
        for m in models:
            m.eval()
        image = torch.randn(1, 3, size, size)
        for i in range(warmup + reps):
            t0 = time.perf_counter()
            with torch.no_grad():
                x = net.maxpool(net.relu(net.bn1(net.conv1(image))))
                f2 = net.layer2(net.layer1(x))
                f3 = net.layer3(f2)
                scores = []
                for lvl, f in enumerate([f2, f3]):
                    g = size // (8 << lvl)
                    scores.append(ed.level_scores(models[lvl], ed.tokens_of(f), refs[lvl], g, g))
                ed.anomaly_map(scores, size)
            if i >= warmup:
                times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    print(json.dumps({"impl": "pytorch", "mode": mode, "config": config,
                      "median_ms": times[len(times) // 2], "min_ms": times[0],
                      "peak_rss_mb": peak_rss_mb(), "threads": threads,
                      "torch": torch.__version__}))


JAVA_OPTS = {
    "small": "-XX:+UseSerialGC -Xmx540m -Xmn40m",
    "published": "-XX:+UseSerialGC -Xmx1000m -Xmn100m",
}


def run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stdout}\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--configs", default="small,published")
    p.add_argument("--modes", default="train,infer")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    # The heap is bounded so that the peak resident memory measures what the step needs, not
    # how far the collector let the heap grow: per configuration, the live set (parameters,
    # gradients and Adam's moments of both levels, and one level's graph) with room for a
    # young generation. The serial collector commits the least beyond the heap; at these
    # bounds its collections cost the step no measurable time (bench/README.md).
    p.add_argument("--java-opts", default=None,
                   help="JVM options for both configurations instead of the defaults below")
    p.add_argument("--torch-worker", nargs=2, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.torch_worker:
        torch_run(a.torch_worker[0], a.torch_worker[1], a.warmup, a.reps, a.threads)
        return
    jar = os.path.join(ROOT, "bench", "target", "benchmarks.jar")
    if not os.path.exists(jar):
        sys.exit("build first: mvn -B -q package -DskipTests")
    print(f"date {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {a.threads} threads, "
          f"load average {os.getloadavg()[0]:.2f}")
    for config in a.configs.split(","):
        print(f"java options, {config}: {a.java_opts or JAVA_OPTS[config]}")
    print(f"{'config':<10} {'mode':<6} {'ed4j ms':>9} {'torch ms':>9} {'speedup':>8} "
          f"{'ed4j MiB':>9} {'torch MiB':>10}")
    for config in a.configs.split(","):
        for mode in a.modes.split(","):
            opts = (a.java_opts or JAVA_OPTS[config]) + " --add-modules jdk.incubator.vector"
            j = run(["java"] + opts.split() + [f"-Ded4j.threads={a.threads}", "-cp", jar,
                     "ed4j.bench.EdBench", mode, config, str(a.warmup), str(a.reps)])
            t = run([sys.executable, os.path.abspath(__file__), "--torch-worker", mode, config,
                     "--warmup", str(a.warmup), "--reps", str(a.reps), "--threads",
                     str(a.threads)])
            print(f"{config:<10} {mode:<6} {j['median_ms']:9.1f} {t['median_ms']:9.1f} "
                  f"{t['median_ms'] / j['median_ms']:7.2f}x {j['peak_rss_mb']:9.0f} "
                  f"{t['peak_rss_mb']:10.0f}", flush=True)
            if mode == "train":
                # The engine backpropagates loss1 + loss2 once; PyTorch doing the same, for a
                # like-for-like reading of the kernels.
                t1 = run([sys.executable, os.path.abspath(__file__), "--torch-worker", "train1",
                          config, "--warmup", str(a.warmup), "--reps", str(a.reps),
                          "--threads", str(a.threads)])
                print(f"{config:<10} {'train1':<6} {j['median_ms']:9.1f} {t1['median_ms']:9.1f} "
                      f"{t1['median_ms'] / j['median_ms']:7.2f}x {j['peak_rss_mb']:9.0f} "
                      f"{t1['peak_rss_mb']:10.0f}", flush=True)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
