#!/usr/bin/python3
"""PIL + torchvision decode/transform throughput on the images of ImagePipelineBench, beside Java.

The same work as the Java loader: Image.open(f).convert("RGB"), Resize((256, 256), LANCZOS),
ToTensor, Normalize(ImageNet), batches of 8 stacked with torch.stack; on 1 and 2 threads
(a ThreadPoolExecutor: Pillow's decoder and resampler and torch's ops release the GIL),
torch.set_num_threads(1) so that each image runs on one core as in the Java loader.

Run the JMH benchmark first: it writes the images (to /tmp/ed4j-bench-images by default) and
jmh-image-pipeline.json. Then, with Debian's Python (python3-pil, python3-torchvision):

    /usr/bin/python3 bench/image_pipeline_vs_pil.py --java-json jmh-image-pipeline.json
"""

import argparse
import concurrent.futures
import glob
import json
import os
import platform
import statistics
import sys
import time

import PIL
import torch
import torchvision
from PIL import Image
from torchvision import transforms as T

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
OUT = 256
BATCH = 8
IMAGES = 32


def files_of(root):
    """The benchmark images in the Java benchmark's order: nut, then wood, by file name."""
    out = []
    for cls in ("nut", "wood"):
        out += sorted(glob.glob(os.path.join(root, cls, "train", "good", "*.png")))
    if len(out) != IMAGES:
        sys.exit(f"expected {IMAGES} images under {root}, found {len(out)}: run the JMH "
                 "benchmark ImagePipelineBench first (it writes them)")
    return out


TRANSFORM = T.Compose([
    T.Resize((OUT, OUT), interpolation=T.InterpolationMode.LANCZOS),
    T.ToTensor(),
    T.Normalize(MEAN, STD),
])


def load(path):
    with Image.open(path) as im:
        return TRANSFORM(im.convert("RGB"))


def epoch(files, pool):
    """One pass over the files, batched like the Java loader; returns the batch count."""
    tensors = list(pool.map(load, files)) if pool else [load(f) for f in files]
    batches = [torch.stack(tensors[i:i + BATCH]) for i in range(0, len(tensors), BATCH)]
    return len(batches)


def images_per_second(files, threads, rounds):
    """Median images/s, CPU/wall ratio and CPU ms per image over `rounds` epochs."""
    pool = concurrent.futures.ThreadPoolExecutor(threads) if threads > 1 else None
    try:
        epoch(files, pool)  # warm-up
        rates, ratios, cpu_ms = [], [], []
        for _ in range(rounds):
            c0, t0 = time.process_time(), time.perf_counter()
            epoch(files, pool)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            rates.append(len(files) / wall)
            ratios.append(cpu / wall)
            cpu_ms.append(1000 * cpu / len(files))
        return statistics.median(rates), statistics.median(ratios), statistics.median(cpu_ms)
    finally:
        if pool:
            pool.shutdown()


def step_rates(files, rounds):
    """Single-thread images/s of decoding alone and of resize + to-tensor + normalize alone."""
    decode, resize = [], []
    images = [Image.open(f).convert("RGB") for f in files[:8]]
    for _ in range(rounds):
        t0 = time.perf_counter()
        for f in files[:8]:
            with Image.open(f) as im:
                im.convert("RGB")
        decode.append(8 / (time.perf_counter() - t0))
        t0 = time.perf_counter()
        for im in images:
            TRANSFORM(im)
        resize.append(8 / (time.perf_counter() - t0))
    return statistics.median(decode), statistics.median(resize)


def java_results(path):
    """{(benchmark, srcSize, workers): images/s} from a JMH JSON result file."""
    out = {}
    with open(path) as f:
        for r in json.load(f):
            name = r["benchmark"].rsplit(".", 1)[-1]
            p = r.get("params", {})
            score = r["primaryMetric"]["score"]
            per_op = IMAGES if name == "pipeline" else 1
            out[(name, int(p["srcSize"]), int(p.get("workers", 1)))] = score * per_op
    return out


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--images", default=os.path.join("/tmp", "ed4j-bench-images"))
    ap.add_argument("--java-json", help="JMH JSON result of ImagePipelineBench")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--sizes", type=int, nargs="+", default=[512, 1024])
    args = ap.parse_args()
    torch.set_num_threads(1)
    java = java_results(args.java_json) if args.java_json else {}
    print(f"{time.strftime('%Y-%m-%d')}  {cpu_name()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, Pillow {PIL.__version__}, "
          f"torchvision {torchvision.__version__}, torch {torch.__version__}")
    print(f"{'source':>7} {'threads':>7} {'Java img/s':>11} {'PIL+tv img/s':>13} "
          f"{'Java/PIL':>9} {'PIL cpu/wall':>13} {'PIL cpu ms/img':>15}")
    steps = {}
    for size in args.sizes:
        files = files_of(os.path.join(args.images, f"s{size}"))
        for threads in (1, 2):
            py, ratio_cpu, cpu_ms = images_per_second(files, threads, args.rounds)
            jv = java.get(("pipeline", size, threads))
            ratio = f"{jv / py:9.2f}" if jv else f"{'-':>9}"
            jtxt = f"{jv:11.1f}" if jv else f"{'-':>11}"
            print(f"{size:>7} {threads:>7} {jtxt} {py:13.1f} {ratio} {ratio_cpu:13.2f} "
                  f"{cpu_ms:15.1f}")
        steps[size] = step_rates(files, args.rounds)
    print("single thread, per step (images/s):")
    print(f"{'source':>7} {'step':>26} {'Java':>9} {'PIL+tv':>9}")
    for size, (dec, res) in steps.items():
        for name, key, py in (("decode PNG -> RGB", "decode", dec),
                              ("Lanczos 256 + tensor + norm", "lanczos", res)):
            jv = java.get((key, size, 1))
            jtxt = f"{jv:9.1f}" if jv else f"{'-':>9}"
            print(f"{size:>7} {name:>26} {jtxt} {py:9.1f}")


if __name__ == "__main__":
    main()
