#!/usr/bin/env bash
# Compiles the CUDA kernel families of the tensor module to the PTX files committed next to
# them (tensor/src/main/resources/ed4j/tensor/cuda/<Family>.cu -> <Family>.ptx).
#
# usage: compile_ptx.sh [--force | --check | --if-nvcc]
#   (no option)  recompile every family whose .ptx is missing or stale; fails without nvcc
#   --force      recompile every family
#   --check      compile nothing; list stale families and exit 1 if there are any
#   --if-nvcc    like no option, but do nothing (exit 0) when nvcc is not on the PATH; the Maven
#                build runs this in generate-resources
#
# A family's hash is the SHA-256 of its .cu followed by the local headers it includes with
# #include "...", in the order they appear (headers include no local headers themselves). The
# first line of each .ptx records it; PtxFreshnessTest recomputes it in every build and fails
# when a .cu or header changed without the PTX being regenerated.
#
# Target: PTX for compute_80 (Ampere and newer: tensor-core TF32/BF16 need it), JIT-compiled by
# the driver on load. PTX from nvcc 13 needs a driver of the CUDA 13 era or newer. Each PTX is
# also assembled with ptxas for sm_90 (H100/H200) to catch errors that only the assembler sees.
# Override with ED4J_PTX_ARCH=compute_XY and ED4J_PTXAS_ARCH=sm_XY.
set -euo pipefail

mode=stale
case "${1:-}" in
    "") ;;
    --force) mode=force ;;
    --check) mode=check ;;
    --if-nvcc) mode=stale
        if ! command -v nvcc >/dev/null 2>&1; then
            echo "compile_ptx: nvcc is not on the PATH; keeping the committed PTX"
            exit 0
        fi ;;
    *) echo "usage: $0 [--force | --check | --if-nvcc]" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
res=$(cd "$here/../resources/ed4j/tensor/cuda" && pwd)
arch=${ED4J_PTX_ARCH:-compute_80}
ptxas_arch=${ED4J_PTXAS_ARCH:-sm_90}

# The headers a .cu includes with quotes, in order of appearance.
includes() {
    sed -n 's/^[[:space:]]*#include[[:space:]]*"\([^"]*\)".*/\1/p' "$1"
}

source_hash() {
    local cu=$1
    {
        cat "$cu"
        for h in $(includes "$cu"); do
            cat "$res/$h"
        done
    } | sha256sum | cut -d' ' -f1
}

recorded_hash() {
    [[ -f $1 ]] && sed -n '1s#^// ed4j-source-sha256: \([0-9a-f]*\)$#\1#p' "$1" || true
}

stale=0
for cu in "$res"/*.cu; do
    name=$(basename "$cu" .cu)
    ptx="$res/$name.ptx"
    want=$(source_hash "$cu")
    have=$(recorded_hash "$ptx")
    if [[ $mode != force && $want == "$have" ]]; then
        continue
    fi
    if [[ $mode == check ]]; then
        echo "stale: $name.ptx (regenerate with tensor/src/main/cuda/compile_ptx.sh)"
        stale=1
        continue
    fi
    if ! command -v nvcc >/dev/null 2>&1; then
        echo "compile_ptx: $name.ptx is stale and nvcc is not on the PATH" >&2
        exit 1
    fi
    echo "compile_ptx: $name.cu -> $name.ptx ($arch)"
    tmp=$(mktemp)
    nvcc -ptx -arch="$arch" -std=c++17 -O3 -Werror all-warnings -I "$res" -o "$tmp" "$cu"
    ptxas -arch="$ptxas_arch" -o /dev/null "$tmp"
    {
        echo "// ed4j-source-sha256: $want"
        echo "// Generated from $name.cu by tensor/src/main/cuda/compile_ptx.sh; do not edit."
        cat "$tmp"
    } > "$ptx"
    rm -f "$tmp"
done
exit $stale
