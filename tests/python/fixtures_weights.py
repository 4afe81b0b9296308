#!/usr/bin/python3
"""Writes the weight-file fixtures of the tensor and nn modules.

Run from the repository root with the Python that has PyTorch 1.13 and NumPy:

    /usr/bin/python3 tests/python/fixtures_weights.py

Maven never runs this script; its outputs are committed:

- tensor/src/test/resources/fixtures/npy/: .npy files of every supported element type, both byte
  orders, Fortran order, 0-d and empty arrays, header versions 1.0/2.0/3.0, and two .npz
  archives (stored and deflated). Values follow formulas the Java tests recompute.
- nn/src/test/resources/fixtures/safetensors/: files written by the small writer below, which
  follows the safetensors specification and the reference implementation's layout (tensors
  sorted by descending dtype, then name; compact JSON; header padded with spaces to 8 bytes).
  Half and bfloat16 payloads are PyTorch's own conversions.
- nn/src/test/resources/fixtures/pth/: files written by torch.save, with the expected values of
  every tensor in a companion .npz (float64 or int64, C order).
"""

import io
import json
import os
import struct
import zipfile
from collections import OrderedDict

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NPY_DIR = os.path.join(ROOT, "tensor/src/test/resources/fixtures/npy")
ST_DIR = os.path.join(ROOT, "nn/src/test/resources/fixtures/safetensors")
PTH_DIR = os.path.join(ROOT, "nn/src/test/resources/fixtures/pth")

# Values that exercise float16/bfloat16 rounding: ties, subnormals, overflow, signed zero,
# infinities; NaN is left out because PyTorch's vectorised and scalar bfloat16 paths encode it
# differently (0xFFFF and 0x7FC0).
HALF_SOURCE = [0.0, -0.0, 1.0, -2.5, 0.1, 1.0 / 3.0, 65504.0, 65519.0, 65520.0, 1e6,
               2.0 ** -14, 2.0 ** -24, 2.0 ** -25, 3 * 2.0 ** -26, 1.5 * 2.0 ** -24,
               1.0 + 2.0 ** -11, 1.0 + 3 * 2.0 ** -11, 1.0 + 2.0 ** -8, 1.0 + 3 * 2.0 ** -8,
               3.3895313892515355e38, float("inf"), float("-inf"), -123.456, 7.0e-6]


def base(shape, scale=0.25, shift=-2.5):
    """arange(numel) * scale + shift in float64, reshaped: the Java tests use the same formula."""
    n = int(np.prod(shape)) if len(shape) else 1
    return (np.arange(n, dtype=np.float64) * scale + shift).reshape(shape)


# ---- npy / npz ---------------------------------------------------------------------------------

def write_npy():
    os.makedirs(NPY_DIR, exist_ok=True)

    def save(name, arr, version=None):
        with open(os.path.join(NPY_DIR, name), "wb") as f:
            if version is None:
                np.save(f, arr)
            else:
                np.lib.format.write_array(f, arr, version=version)

    a = base((2, 3, 4))
    save("f4.npy", a.astype("<f4"))
    save("f4_be.npy", a.astype(">f4"))
    save("f8.npy", a.astype("<f8"))
    save("f8_fortran.npy", np.asfortranarray(a.astype("<f8")))
    save("f4_be_fortran.npy", np.asfortranarray(base((3, 5)).astype(">f4")))
    save("f8_1d.npy", base((5,)).astype("<f8"))
    ints = (np.arange(24) - 7).reshape(2, 3, 4)
    save("i8.npy", ints.astype("<i8"))
    save("i8_be.npy", np.array([2 ** 62, -2 ** 63, 2 ** 63 - 1, 0, -1], dtype=">i8"))
    save("i8_extremes.npy", np.array([2 ** 62, -2 ** 63, 2 ** 63 - 1, 0, -1], dtype="<i8"))
    save("i4.npy", np.array([-2 ** 31, -1, 0, 2 ** 31 - 1], dtype="<i4"))
    save("i4_be.npy", np.array([-2 ** 31, -1, 0, 2 ** 31 - 1], dtype=">i4"))
    save("i2.npy", np.array([[-32768, -1], [0, 32767]], dtype="<i2"))
    save("i2_be.npy", np.array([[-32768, -1], [0, 32767]], dtype=">i2"))
    save("i1.npy", np.array([-128, -1, 0, 127], dtype="i1"))
    save("u1.npy", np.array([0, 1, 128, 255], dtype="u1"))
    save("u2.npy", np.array([0, 1, 65535], dtype="<u2"))
    save("u4.npy", np.array([0, 1, 2 ** 32 - 1], dtype="<u4"))
    save("b1.npy", np.array([True, False, True], dtype="b1"))
    with np.errstate(over="ignore"):  # 65520 and 1e6 overflow to infinity on purpose
        halves = np.array(HALF_SOURCE, dtype=np.float32).astype("<f2")
    save("f2.npy", halves)
    save("f2_be.npy", halves.astype(">f2"))
    # float32 view of the float16 values, to compare against bit for bit.
    save("f2_as_f4.npy", halves.astype("<f4"))
    save("scalar_f8.npy", np.array(3.25, dtype="<f8"))
    save("scalar_i8.npy", np.array(-7, dtype="<i8"))
    save("empty_f4.npy", np.zeros((0, 3), dtype="<f4"))
    save("v2.npy", base((3,)).astype("<f4"), version=(2, 0))
    save("v3.npy", base((2, 2)).astype("<f8"), version=(3, 0))

    arrays = OrderedDict([("zeta", base((2, 3)).astype("<f4")),
                          ("alpha", (np.arange(4) - 2).astype("<i8")),
                          ("mid", np.array(1.5, dtype="<f8"))])
    np.savez(os.path.join(NPY_DIR, "arrays.npz"), **arrays)
    np.savez_compressed(os.path.join(NPY_DIR, "arrays_deflated.npz"), **arrays)


# ---- safetensors --------------------------------------------------------------------------------

ST_DTYPE_ORDER = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32",
                  "U32", "F32", "F64", "I64", "U64"]


def st_bytes(tensors, metadata=None):
    """tensors: name -> (dtype, shape, raw little-endian bytes). Returns the file content."""
    items = sorted(tensors.items(),
                   key=lambda kv: (-ST_DTYPE_ORDER.index(kv[1][0]), kv[0].encode("utf-8")))
    header = OrderedDict()
    if metadata is not None:
        header["__metadata__"] = OrderedDict(sorted(metadata.items(),
                                                    key=lambda kv: kv[0].encode("utf-8")))
    offset = 0
    for name, (dtype, shape, raw) in items:
        header[name] = OrderedDict([("dtype", dtype), ("shape", list(shape)),
                                    ("data_offsets", [offset, offset + len(raw)])])
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(raw for _, (_, _, raw) in items)


def torch_raw(t):
    return t.contiguous().numpy().tobytes() if t.dtype not in (torch.float16, torch.bfloat16) \
        else t.contiguous().view(torch.int16).numpy().astype("<i2").tobytes()


def write_safetensors():
    os.makedirs(ST_DIR, exist_ok=True)

    def save(name, content):
        with open(os.path.join(ST_DIR, name), "wb") as f:
            f.write(content)

    src = torch.tensor(HALF_SOURCE, dtype=torch.float32)
    half = src.half()
    bf16 = src.bfloat16()
    tensors = {
        "w.f32": ("F32", (2, 3), base((2, 3)).astype("<f4").tobytes()),
        "w.f64": ("F64", (3,), base((3,), 0.5, 1.0).astype("<f8").tobytes()),
        "idx": ("I64", (2, 2), np.array([2 ** 62, -2 ** 63, 2 ** 63 - 1, -1], "<i8").tobytes()),
        "h.f16": ("F16", (len(HALF_SOURCE),), torch_raw(half)),
        "h.bf16": ("BF16", (len(HALF_SOURCE),), torch_raw(bf16)),
        "h.f16.expected": ("F32", (len(HALF_SOURCE),), torch_raw(half.float())),
        "h.bf16.expected": ("F32", (len(HALF_SOURCE),), torch_raw(bf16.float())),
        "scalar": ("F32", (), np.array(-1.75, "<f4").tobytes()),
        "empty": ("F32", (0, 4), b""),
        "i32": ("I32", (3,), np.array([-2 ** 31, 0, 2 ** 31 - 1], "<i4").tobytes()),
        "u8": ("U8", (2,), bytes([0, 255])),
        "flag": ("BOOL", (2,), bytes([1, 0])),
    }
    metadata = {"format": "pt", "note": "\u00fcn\u00efcode \"quoted\"\n\ttab", "empty": ""}
    save("mixed.safetensors", st_bytes(tensors, metadata))

    # Single-tensor files that the Java writer must reproduce byte for byte.
    save("half_src.safetensors", st_bytes({"h": ("F32", (len(HALF_SOURCE),), torch_raw(src))}))
    save("half_f16.safetensors", st_bytes({"h": ("F16", (len(HALF_SOURCE),), torch_raw(half))}))
    save("half_bf16.safetensors", st_bytes({"h": ("BF16", (len(HALF_SOURCE),), torch_raw(bf16))}))
    save("attn.safetensors", st_bytes(
        {"attn.0": ("F32", (1, 2, 3), np.arange(6, dtype="<f4").tobytes())}))
    save("metadata_only.safetensors", st_bytes({}, {"framework": "pt"}))
    save("empty.safetensors", st_bytes({}))
    order = {"b": ("F32", (1,), np.array([1], "<f4").tobytes()),
             "a": ("F32", (1,), np.array([2], "<f4").tobytes()),
             "c": ("I64", (1,), np.array([3], "<i8").tobytes()),
             "d": ("F64", (1,), np.array([4], "<f8").tobytes()),
             "\u00e9": ("F32", (1,), np.array([5], "<f4").tobytes()),
             "Z": ("F32", (1,), np.array([6], "<f4").tobytes())}
    save("order.safetensors", st_bytes(order, {"k2": "v2", "k1": "v1"}))


# ---- pth ----------------------------------------------------------------------------------------

def expected_npz(name, tensors):
    out = OrderedDict()
    for k, t in tensors.items():
        t = t.detach()
        if t.dtype in (torch.float16, torch.bfloat16, torch.float32, torch.float64):
            out[k] = t.double().contiguous().numpy()
        else:
            out[k] = t.long().contiguous().numpy()
    np.savez(os.path.join(PTH_DIR, name), **out)


def small_module(seed):
    torch.manual_seed(seed)
    m = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4),
                            torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(4, 2))
    m.train()
    m(torch.randn(2, 3, 3, 3))  # updates the running statistics and num_batches_tracked
    return m


def write_pth():
    os.makedirs(PTH_DIR, exist_ok=True)
    torch.manual_seed(0)
    shared = torch.arange(16, dtype=torch.float32).reshape(4, 4) * 0.5 - 3
    grid = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    flat = OrderedDict([
        ("f32", torch.randn(2, 3)),
        ("f64", torch.randn(3, dtype=torch.float64)),
        ("i64", torch.tensor([2 ** 62, -2 ** 63, 2 ** 63 - 1, -1], dtype=torch.int64)),
        ("f16", torch.tensor(HALF_SOURCE).half()),
        ("bf16", torch.tensor(HALF_SOURCE).bfloat16()),
        ("i32", torch.tensor([-2 ** 31, 0, 2 ** 31 - 1], dtype=torch.int32)),
        ("i16", torch.tensor([-32768, 7, 32767], dtype=torch.int16)),
        ("i8", torch.tensor([-128, 5, 127], dtype=torch.int8)),
        ("u8", torch.tensor([0, 200, 255], dtype=torch.uint8)),
        ("bool", torch.tensor([True, False, True])),
        ("transposed", grid.t()),                 # strides (1, 4)
        ("shared_full", shared),
        ("shared_row", shared[2]),                # offset 8
        ("shared_col", shared[:, 1]),             # offset 1, stride 4
        ("shared_block", shared[1:3, 2:4]),       # offset 6, strides (4, 1)
        ("scalar", torch.tensor(2.5)),
        ("empty", torch.zeros(0, 3)),
        ("param", torch.nn.Parameter(torch.tensor([1.0, -1.0]))),
    ])
    torch.save(flat, os.path.join(PTH_DIR, "flat.pth"))
    expected_npz("flat_expected.npz", flat)

    m = small_module(1)
    sd = m.state_dict()
    torch.save(sd, os.path.join(PTH_DIR, "module.pth"))
    expected_npz("module_expected.npz", sd)

    sd0 = small_module(2).state_dict()
    sd1 = small_module(3).state_dict()
    nested = {
        "state_dict": [sd0, sd1],
        "epoch": 3,
        "config": {"lr": 1e-4, "name": "ed", "dims": (1, 2), "flag": True, "none": None,
                   "big": 2 ** 70, "negative": -5, "medium": 70000, "device": torch.device("cpu"),
                   "cuda": torch.device("cuda", 1)},
    }
    torch.save(nested, os.path.join(PTH_DIR, "nested.pth"))
    both = OrderedDict()
    for i, s in enumerate([sd0, sd1]):
        for k, v in s.items():
            both["%d/%s" % (i, k)] = v
    expected_npz("nested_expected.npz", both)

    # Protocol 4 uses FRAME, SHORT_BINUNICODE, MEMOIZE and STACK_GLOBAL instead.
    torch.save(flat, os.path.join(PTH_DIR, "protocol4.pth"), pickle_protocol=4)

    torch.save({"model": OrderedDict([("w", torch.ones(2, 2))])},
               os.path.join(PTH_DIR, "wrapped_model.pth"))

    torch.save(OrderedDict([("w", torch.ones(2))]), os.path.join(PTH_DIR, "legacy.pth"),
               _use_new_zipfile_serialization=False)

    write_big_endian()


def write_big_endian():
    """A torch >= 2.1 style archive with a 'byteorder' record saying big, storages swapped."""
    small = OrderedDict([("x", torch.arange(6, dtype=torch.float32).reshape(2, 3) - 2.5),
                         ("y", torch.tensor([1, -2, 2 ** 40], dtype=torch.int64)),
                         ("h", torch.tensor([1.5, -0.25], dtype=torch.float16))])
    buf = io.BytesIO()
    torch.save(small, buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    sizes = {}
    for k, t in small.items():
        sizes[k] = t.element_size()
    path = os.path.join(PTH_DIR, "bigendian.pth")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as out:
        names = src.namelist()
        prefix = names[0].split("/")[0]
        data_names = sorted(n for n in names if n.startswith(prefix + "/data/"))
        for n in names:
            raw = src.read(n)
            if n in data_names:
                # storages are keyed '0', '1', ... in the order the tensors appear
                key = int(n.rsplit("/", 1)[1])
                size = list(sizes.values())[key]
                raw = b"".join(raw[i:i + size][::-1] for i in range(0, len(raw), size))
            out.writestr(zipfile.ZipInfo(n, date_time=(2020, 1, 1, 0, 0, 0)), raw)
        out.writestr(zipfile.ZipInfo(prefix + "/byteorder", date_time=(2020, 1, 1, 0, 0, 0)),
                     b"big")
    expected_npz("bigendian_expected.npz", small)


def main():
    write_npy()
    write_safetensors()
    write_pth()
    total = 0
    for d in (NPY_DIR, ST_DIR, PTH_DIR):
        for f in os.listdir(d):
            total += os.path.getsize(os.path.join(d, f))
    print("fixtures written, %d bytes in total" % total)


if __name__ == "__main__":
    main()
