"""ED training step and inference, the engine beside PyTorch, on the CPU, in one run.

Runs, for each configuration (small: 128 px with resnet18 channels; published: 256 px with
wide_resnet50_2 channels; widths 256 and 512, 8 heads, 3 layers, batch 1):
  - the engine: java -cp bench/target/benchmarks.jar ed4j.bench.EdBench MODE CONFIG ...
  - PyTorch 1.13: the reference implementation tests/python/ed_reference.py, same shapes,
    its torchvision backbone with each convolution and BatchNorm fused for inference, as the
    engine folds them (ResNet.freeze(), which ED's FeatureExtractor applies),
    the same published two-step loop, torch.set_num_threads(threads); for training also a
    row "train1" where PyTorch backpropagates loss1 + loss2 in one pass, as the engine does
    (the published code takes two passes; the gradients are the same)
each in its own process, and prints median milliseconds, the ratio and the peak resident
memory (VmHWM) of both. The engine runs with the JVM options of JAVA_OPTS (printed first).

Usage: /usr/bin/python3 bench/ed_vs_pytorch.py [--configs small,published] [--modes train,infer]
                                             [--reps N] [--java-opts "..."]
Build first: mvn -B -q package -DskipTests

On a GPU machine, the PyTorch side alone (the engine's side there is the gpu-checks jar, see
gpu-checks/run-on-device.sh): --torch-only --device cuda --batch 8 prints, per configuration
and mode, PyTorch's median milliseconds (per image for inference) and its peak CUDA memory,
with float32 products as in the engine's default (--tf32 allows TF32 in matmul and cuDNN).
"""
import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "python"))
sys.path.insert(0, os.path.join(ROOT, "bench"))


def peak_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def torch_run(mode, config, warmup, reps, threads, device="cpu", batch=1, tf32=False):
    import torch
    import ed_reference as ed
    torch.set_num_threads(threads)
    torch.manual_seed(3407)
    cuda = device.startswith("cuda")
    if cuda:
        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.backends.cudnn.allow_tf32 = tf32
        torch.backends.cudnn.benchmark = True

    def sync():
        if cuda:
            torch.cuda.synchronize()
    size = 256 if config == "published" else 128
    arch = "wide_resnet50_2" if config == "published" else "resnet18"
    chans = [512, 1024] if config == "published" else [128, 256]
    models, refs, tokens = [], [], []
    for lvl, (c, d) in enumerate(zip(chans, [256, 512])):
        g = size // (8 << lvl)
        models.append(ed.ED(c, d, g, g).to(device))
        refs.append(torch.rand(c, g * g, device=device))
        tokens.append(torch.rand(batch, g * g, c, device=device))
    times = []
    if mode in ("train", "train1"):
        opt = torch.optim.Adam([p for m in models for p in m.parameters()], lr=1e-4)
        for i in range(warmup + reps):
            sync()
            t0 = time.perf_counter()
            ed.published_step(models, opt, tokens, refs, one_pass=mode == "train1")
            sync()
            if i >= warmup:
                times.append((time.perf_counter() - t0) * 1000)
    else:
        import torchvision
        from backbone_vs_pytorch import conv_bn_pairs
        # BatchNorm folded into the convolutions, as the engine's FeatureExtractor runs its
        # backbone (ResNet.freeze()); fuse_modules does the same folding in float.
        net = getattr(torchvision.models, arch)().eval()
        net = torch.ao.quantization.fuse_modules(net, conv_bn_pairs(net)).to(device)
        for m in models:
            m.eval()
        image = torch.randn(batch, 3, size, size, device=device)
        for i in range(warmup + reps):
            sync()
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
            sync()
            if i >= warmup:
                times.append((time.perf_counter() - t0) * 1000 / batch)
    times.sort()
    result = {"impl": "pytorch", "mode": mode, "config": config, "device": device,
              "batch": batch, "median_ms": times[len(times) // 2], "min_ms": times[0],
              "peak_rss_mb": peak_rss_mb(), "threads": threads, "torch": torch.__version__}
    if cuda:
        result["peak_cuda_mb"] = torch.cuda.max_memory_allocated() / 1048576.0
        result["gpu"] = torch.cuda.get_device_name()
        result["tf32"] = tf32
    print(json.dumps(result))


JAVA_OPTS = {
    "small": "-XX:+UseSerialGC -Xmx540m -Xmn40m",
    "published": "-XX:+UseSerialGC -Xmx1000m -Xmn100m",
}


def run(cmd, fail=True):
    """The JSON line a worker prints last; on failure exit, or with fail=False return None."""
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        if not fail:
            print(out.stderr.strip()[-2000:], file=sys.stderr)
            return None
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stdout}\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def torch_only(a):
    """The PyTorch rows alone, each mode in its own process."""
    print(f"date {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, device {a.device}, "
          f"batch {a.batch}, tf32 {a.tf32}")
    print(f"{'config':<10} {'mode':<6} {'torch ms':>9} {'per':>6} {'peak MiB':>9}  gpu / torch")
    for config in a.configs.split(","):
        modes = []
        for mode in a.modes.split(","):
            modes += ["train", "train1"] if mode == "train" else [mode]
        for mode in modes:
            t = run([sys.executable, os.path.abspath(__file__), "--torch-worker", mode, config,
                     "--warmup", str(a.warmup), "--reps", str(a.reps), "--threads",
                     str(a.threads), "--device", a.device, "--batch", str(a.batch)]
                    + (["--tf32"] if a.tf32 else []), fail=False)
            if t is None:
                print(f"{config:<10} {mode:<6} failed (its error is above)", flush=True)
                continue
            peak = t.get("peak_cuda_mb", t["peak_rss_mb"])
            print(f"{config:<10} {mode:<6} {t['median_ms']:9.2f} "
                  f"{'image' if mode == 'infer' else 'step':>6} {peak:9.0f}  "
                  f"{t.get('gpu', 'cpu')} / {t['torch']}", flush=True)


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
    p.add_argument("--torch-only", action="store_true",
                   help="run only the PyTorch side (for a GPU machine, which has no JDK)")
    p.add_argument("--device", default="cpu", help="PyTorch's device: cpu or cuda")
    p.add_argument("--batch", type=int, default=1,
                   help="images (inference) or token sets (training) per call; with "
                        "--torch-only only")
    p.add_argument("--tf32", action="store_true", help="allow TF32 in PyTorch on CUDA")
    p.add_argument("--torch-worker", nargs=2, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.torch_worker:
        torch_run(a.torch_worker[0], a.torch_worker[1], a.warmup, a.reps, a.threads, a.device,
                  a.batch, a.tf32)
        return
    if a.torch_only:
        torch_only(a)
        return
    if a.device != "cpu" or a.batch != 1:
        sys.exit("--device and --batch need --torch-only: the engine's GPU side runs in the "
                 "gpu-checks jar (gpu-checks/run-on-device.sh)")
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
