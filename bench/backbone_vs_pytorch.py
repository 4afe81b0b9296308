"""Backbone forward throughput, the engine beside torchvision, on the CPU, in one run.

For resnet18 and wide_resnet50_2 at 256 px, batch 1 and 8: layer2 and layer3 as ED uses them
(eval mode, no autograd), random weights. The engine runs the JMH benchmark BackboneBench;
PyTorch 1.13 / torchvision 0.14 the same computation, timed the same way (warm-up, then the
best of five 5-second rounds; for JMH its best measurement iteration); both with the same
thread count, cell by cell (the engine's run of a cell, then PyTorch's). Prints images/s and
the ratio.

Two modes, each side computing the same thing:
  fused  the engine's ResNet.freeze() (BatchNorm folded into the convolutions, as ED runs its
         backbone) beside torchvision with each conv/BatchNorm pair fused the same way
         (torch.ao.quantization.fuse_modules in float, eval mode);
  plain  BatchNorm as a layer on both sides.

Usage: /usr/bin/python3 bench/backbone_vs_pytorch.py [--archs resnet18,wide_resnet50_2]
                                 [--batches 1,8] [--modes fused,plain] [--threads N]
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


def conv_bn_pairs(net):
    """Names of each convolution and the BatchNorm after it in a torchvision ResNet."""
    pairs = [["conv1", "bn1"]]
    for name, block in net.named_modules():
        if name.count(".") != 1 or not name.startswith("layer"):
            continue
        for i in (1, 2, 3):
            if hasattr(block, f"conv{i}"):
                pairs.append([f"{name}.conv{i}", f"{name}.bn{i}"])
        if block.downsample is not None:
            pairs.append([f"{name}.downsample.0", f"{name}.downsample.1"])
    return pairs


def torch_images_per_s(arch, batch, size, threads, fused, seconds=5.0, rounds=5):
    import torch
    import torchvision
    torch.set_num_threads(threads)
    net = getattr(torchvision.models, arch)().eval()
    if fused:
        net = torch.ao.quantization.fuse_modules(net, conv_bn_pairs(net))
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


def java_images_per_s(jar, arch, batch, size, threads, fused):
    """The best 5-second iteration of JMH's BackboneBench for one cell."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = ["java", f"-Ded4j.threads={threads}", "-jar", jar, "BackboneBench",
               "-p", f"arch={arch}", "-p", f"batch={batch}", "-p", f"size={size}",
               "-p", f"frozen={str(fused).lower()}", "-rf", "json", "-rff", out.name]
        subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        results = json.load(open(out.name))
    r = next(r for r in results if r["benchmark"].endswith("forward"))
    # The best iteration, as PyTorch's best round: on a shared VM the mean of either side
    # moves with the neighbours' load.
    return max(max(fork) for fork in r["secondaryMetrics"]["images"]["rawData"])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--archs", default="resnet18,wide_resnet50_2")
    p.add_argument("--batches", default="1,8")
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--modes", default="fused,plain")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    a = p.parse_args()
    jar = os.path.join(ROOT, "bench", "target", "benchmarks.jar")
    if not os.path.exists(jar):
        sys.exit("build first: mvn -B -q package -DskipTests")
    print(f"date {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {a.threads} threads, "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"{'mode':<6} {'arch':<16} {'batch':>5} {'ed4j img/s':>11} {'torch img/s':>12} "
          f"{'ratio':>6}")
    # Cell by cell, each side right after the other: the host's speed drifts over minutes, and
    # a ratio of two measurements taken ten minutes apart would carry that drift.
    for mode in a.modes.split(","):
        for arch in a.archs.split(","):
            for batch in map(int, a.batches.split(",")):
                j = java_images_per_s(jar, arch, batch, a.size, a.threads, mode == "fused")
                t = torch_images_per_s(arch, batch, a.size, a.threads, mode == "fused")
                print(f"{mode:<6} {arch:<16} {batch:>5} {j:11.2f} {t:12.2f} {j / t:6.2f}",
                      flush=True)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
