"""Backbone forward throughput, the engine beside torchvision, on the CPU, in one run.

For resnet18 and wide_resnet50_2 at 256 px, batch 1 and 8: layer2 and layer3 as ED uses them
(eval mode, no autograd), random weights. The engine runs the JMH benchmark BackboneBench;
PyTorch 1.13 / torchvision 0.14 the same computation, timed the same way (warm-up, then the
best of several rounds); both with the same thread count. Prints images/s and the ratio.

Usage: /usr/bin/python3 bench/backbone_vs_pytorch.py [--archs resnet18,wide_resnet50_2]
                                                  [--batches 1,8] [--threads N]
Build first: mvn -B -q package -DskipTests
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def torch_images_per_s(arch, batch, size, threads, seconds=5.0, rounds=5):
    import torch
    import torchvision
    torch.set_num_threads(threads)
    net = getattr(torchvision.models, arch)().eval()
    x = torch.randn(batch, 3, size, size)

    def forward():
        with torch.no_grad():
            y = net.maxpool(net.relu(net.bn1(net.conv1(x))))
            y = net.layer2(net.layer1(y))
            return net.layer3(y)

    for _ in range(3):
        forward()
    best = 0.0
    for _ in range(rounds):
        t0 = time.perf_counter()
        n = 0
        while time.perf_counter() - t0 < seconds:
            forward()
            n += 1
        best = max(best, n * batch / (time.perf_counter() - t0))
    return best


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--archs", default="resnet18,wide_resnet50_2")
    p.add_argument("--batches", default="1,8")
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    a = p.parse_args()
    jar = os.path.join(ROOT, "bench", "target", "benchmarks.jar")
    if not os.path.exists(jar):
        sys.exit("build first: mvn -B -q package -DskipTests")
    print(f"date {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {a.threads} threads, "
          f"load average {os.getloadavg()[0]:.2f}")
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = ["java", f"-Ded4j.threads={a.threads}", "-jar", jar, "BackboneBench",
               "-p", f"arch={a.archs}", "-p", f"batch={a.batches}", "-p", f"size={a.size}",
               "-rf", "json", "-rff", out.name]
        subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        results = json.load(open(out.name))
    java = {}
    for r in results:
        if r["benchmark"].endswith("forward"):
            key = (r["params"]["arch"], int(r["params"]["batch"]))
            java[key] = r["secondaryMetrics"]["images"]["score"]
    print(f"{'arch':<16} {'batch':>5} {'ed4j img/s':>11} {'torch img/s':>12} {'ratio':>6}")
    for arch in a.archs.split(","):
        for batch in map(int, a.batches.split(",")):
            t = torch_images_per_s(arch, batch, a.size, a.threads)
            j = java[(arch, batch)]
            print(f"{arch:<16} {batch:>5} {j:11.2f} {t:12.2f} {j / t:6.2f}", flush=True)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
