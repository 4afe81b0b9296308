#!/usr/bin/env bash
# Prepares the GPU checks for a GPU machine (which has a driver but no JDK and no Maven) and
# prints the exact `run` call that executes them there.
#
# usage: gpu-checks/run-on-device.sh        (from anywhere inside the repository)
#
# Builds gpu-checks.jar (the CUDA parity suite and backend tests, the GEMM / convolution / ED
# benchmarks, every dependency) and a jlink'd Java runtime with ../shared/device/pack-jre.sh
# (plus jdk.zipfs, which JUnit needs to find tests inside a jar), both
# into .device/ at the repository root (ignored by git). The run carries .device (64 MiB limit)
# and writes its logs under $OUT, which comes back.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

mvn -B -q -DskipTests -pl gpu-checks -am package
mkdir -p .device
cp gpu-checks/target/gpu-checks.jar .device/gpu-checks.jar
# JUnit finds the test classes inside the jar through the zip file system: jdk.zipfs.
if [[ ! -x .device/jre/bin/java ]] || ! .device/jre/bin/java --list-modules | grep -q '^jdk.zipfs'; then
    EXTRA_MODULES=jdk.zipfs ../shared/device/pack-jre.sh .device/jre
fi
grep -qx '/.device/' .gitignore 2>/dev/null || grep -qx '/.device/' .git/info/exclude 2>/dev/null \
    || echo '/.device/' >> "$(git rev-parse --git-path info/exclude)"

size=$(du -sb .device | cut -f1)
echo "carry: .device = $((size / 1048576)) MiB (limit 64 MiB)"
if (( size > 64 * 1048576 )); then
    echo "run-on-device: .device is over the 64 MiB carry limit" >&2
    exit 1
fi

java_cmd='.device/jre/bin/java -Xmx24g --add-modules jdk.incubator.vector -jar .device/gpu-checks.jar'
# PyTorch on the same GPU, the published model (bench/ed_vs_pytorch.py with the fixture script's
# implementation): the training step at batch 8, as the engine's ed-train row, and inference per
# image at batches 1 and 8, as its ed-infer rows; float32 products, then TF32.
ed_torch='python3 bench/ed_vs_pytorch.py --torch-only --configs published --device cuda'
torch_cmd="{ $ed_torch --batch 8; $ed_torch --modes infer --batch 1; $ed_torch --modes infer --batch 8 --tf32; } > \$OUT/torch.txt 2>&1"
cat <<EOT

Run on the GPU machine (one call: PyTorch's side of the ED benchmarks, then the engine's
tests and benchmarks; logs in \$OUT):

  run(carry=[".device"], timeout_s=560, command=
    "$torch_cmd; $java_cmd all --out \$OUT > \$OUT/console.txt 2>&1; echo exit=\$?; tail -n 60 \$OUT/console.txt; cat \$OUT/torch.txt")

Tests only, with every launch synchronised so a faulting kernel is named:

  run(carry=[".device"], timeout_s=300, command=
    "${java_cmd/-jar/-Ded4j.cuda.sync=true -jar} test --out \$OUT > \$OUT/console.txt 2>&1; echo exit=\$?; grep -E '^(FAIL|[0-9]+ passed)' \$OUT/console.txt")

Benchmarks only (the engine's, then PyTorch's):

  run(carry=[".device"], timeout_s=400, command=
    "$java_cmd bench --out \$OUT > \$OUT/console.txt 2>&1; echo exit=\$?; cat \$OUT/bench.tsv; $torch_cmd; cat \$OUT/torch.txt")

Afterwards: \$OUT/gpu-checks.log (every test line and benchmark), \$OUT/bench.tsv
(bench, variant, size, ms, GFLOP/s), \$OUT/torch.txt (PyTorch's rows). Give the machine back
when done.
EOT
