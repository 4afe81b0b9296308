"""PyTorch reference values for the engine's ops.

Every case runs one op in float32 on seeded inputs, then backpropagates a seeded random
output gradient, and stores inputs, output and input gradients. The Java test
`OpParityTest` replays each case through the engine and compares.

Writes tests/src/test/resources/fixtures/ops/{ops.json, ops.npz}.
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "src", "test", "resources", "fixtures", "ops")

CASES = []
ARRAYS = {}


def randn(*shape):
    return torch.randn(tuple(shape), dtype=torch.float32)


def away_from_zero(*shape, gap=0.05):
    x = randn(*shape)
    return x + torch.sign(x) * gap


def uniform(lo, hi, *shape):
    return torch.rand(tuple(shape), dtype=torch.float32) * (hi - lo) + lo


def case(name, op, inputs, params=None, fn=None, tol="elementwise", grad=True,
         strided=False, int_inputs=None):
    """Runs fn(*inputs) in torch and records everything under `name`."""
    params = params or {}
    int_inputs = int_inputs or {}
    leaves = []
    for i, x in enumerate(inputs):
        t = x.clone().detach().requires_grad_(grad and x.dtype.is_floating_point)
        leaves.append(t)
    out = fn(*leaves, **params)
    extra = {}
    if isinstance(out, tuple):
        out, indices = out
        extra["indices"] = indices
    entry = {"name": name, "op": op, "params": params, "tol": tol, "strided": strided,
             "inputs": [], "grads": [], "int_inputs": []}
    for i, t in enumerate(leaves):
        key = f"{name}.in{i}"
        ARRAYS[key] = t.detach().numpy()
        entry["inputs"].append(key)
    for k, v in int_inputs.items():
        key = f"{name}.{k}"
        ARRAYS[key] = v.numpy().astype(np.int64)
        entry["int_inputs"].append(key)
    ARRAYS[f"{name}.out"] = out.detach().numpy().astype(np.float32)
    entry["output"] = f"{name}.out"
    if "indices" in extra:
        ARRAYS[f"{name}.indices"] = extra["indices"].numpy().astype(np.int64)
        entry["indices"] = f"{name}.indices"
    if grad and out.requires_grad:
        g = randn(*out.shape)
        out.backward(g)
        ARRAYS[f"{name}.gradout"] = g.numpy()
        entry["grad_output"] = f"{name}.gradout"
        for i, t in enumerate(leaves):
            if t.requires_grad and t.grad is not None:
                key = f"{name}.grad{i}"
                ARRAYS[key] = t.grad.numpy()
                entry["grads"].append(key)
            else:
                entry["grads"].append(None)
    CASES.append(entry)


def build():
    torch.manual_seed(20261203)
    # ---- elementwise ------------------------------------------------------------------
    case("add_bcast", "add", [randn(45, 65), randn(65)], fn=torch.add)
    case("add_bcast_strided", "add", [randn(4, 1, 5), randn(3, 1)], fn=torch.add, strided=True)
    case("sub_bcast", "sub", [randn(2, 3, 4), randn(3, 1)], fn=torch.sub)
    case("mul_bcast", "mul", [randn(3, 1, 5), randn(1, 4, 5)], fn=torch.mul, strided=True)
    case("div_bcast", "div", [randn(6, 7), uniform(0.5, 2.0, 7)], fn=torch.div)
    case("pow_tensor", "pow", [uniform(0.5, 2.0, 4, 5), randn(5)], fn=torch.pow)
    case("pow_scalar", "pow_scalar", [randn(4, 5)], params={"exponent": 3.0},
         fn=lambda x, exponent: torch.pow(x, exponent))
    for op, f, gen in [("neg", torch.neg, randn), ("exp", torch.exp, randn),
                       ("sigmoid", torch.sigmoid, randn), ("tanh", torch.tanh, randn),
                       ("gelu", F.gelu, randn)]:
        case(op, op, [gen(7, 9) * 3], fn=f, strided=True)
    case("log", "log", [uniform(0.1, 5.0, 7, 9)], fn=torch.log)
    case("sqrt", "sqrt", [uniform(0.1, 5.0, 7, 9)], fn=torch.sqrt)
    case("abs", "abs", [away_from_zero(7, 9)], fn=torch.abs)
    case("relu", "relu", [away_from_zero(7, 9)], fn=torch.relu, strided=True)
    case("gelu_tails", "gelu", [torch.linspace(-10, 10, 101)], fn=F.gelu)
    case("clamp", "clamp", [randn(6, 8)], params={"min": -0.5, "max": 0.7},
         fn=lambda x, min, max: torch.clamp(x, min, max))
    cond = (randn(5, 6) > 0).float()
    case("where", "where", [cond, randn(5, 6), randn(6)],
         fn=lambda c, a, b: torch.where(c > 0, a, b))
    for op, f in [("eq", torch.eq), ("lt", torch.lt), ("ge", torch.ge)]:
        a = torch.round(randn(4, 5))
        b = torch.round(randn(5))
        case(op, op, [a, b], fn=lambda x, y, f=f: f(x, y).float(), grad=False)
    # ---- reductions ---------------------------------------------------------------------
    case("sum_all", "sum", [randn(45, 65)], params={"dims": [], "keepdim": False},
         fn=lambda x, dims, keepdim: x.sum(), tol="reduction")
    case("sum_dims", "sum", [randn(3, 4, 5, 6)], params={"dims": [1, 3], "keepdim": True},
         fn=lambda x, dims, keepdim: x.sum(dim=dims, keepdim=keepdim), tol="reduction",
         strided=True)
    case("sum_dim0", "sum", [randn(257, 33)], params={"dims": [0], "keepdim": False},
         fn=lambda x, dims, keepdim: x.sum(dim=dims, keepdim=keepdim), tol="reduction")
    case("mean_dims", "mean", [randn(3, 4, 5)], params={"dims": [0, 2], "keepdim": False},
         fn=lambda x, dims, keepdim: x.mean(dim=dims, keepdim=keepdim), tol="reduction")
    case("mean_large", "mean", [(torch.arange(1 << 18) % 997).float() / 997 * 2 + 2.0], params={"dims": [], "keepdim": False},
         fn=lambda x, dims, keepdim: x.mean(), tol="reduction", grad=False)
    case("amax", "amax", [randn(5, 7)], params={"dims": [1], "keepdim": False},
         fn=lambda x, dims, keepdim: torch.amax(x, dim=dims, keepdim=keepdim), tol="reduction")
    case("max_dim", "max", [randn(5, 7, 3)], params={"dim": 1, "keepdim": False},
         fn=lambda x, dim, keepdim: tuple(torch.max(x, dim=dim, keepdim=keepdim)),
         tol="reduction", strided=True)
    case("min_dim", "min", [randn(5, 7)], params={"dim": 0, "keepdim": True},
         fn=lambda x, dim, keepdim: tuple(torch.min(x, dim=dim, keepdim=keepdim)),
         tol="reduction")
    case("median_even", "median", [randn(3, 8, 16)], params={"dim": 2, "keepdim": False},
         fn=lambda x, dim, keepdim: tuple(torch.median(x, dim=dim, keepdim=keepdim)),
         tol="reduction")
    case("median_odd", "median", [randn(4, 9)], params={"dim": 1, "keepdim": True},
         fn=lambda x, dim, keepdim: tuple(torch.median(x, dim=dim, keepdim=keepdim)),
         tol="reduction", strided=True)
    case("var_unbiased", "var", [randn(6, 9)], params={"dims": [1], "correction": 1,
                                                       "keepdim": False},
         fn=lambda x, dims, correction, keepdim: torch.var(x, dim=dims, unbiased=True,
                                                           keepdim=keepdim), tol="reduction")
    case("softmax_last", "softmax", [randn(8, 1024) * 4], params={"dim": -1},
         fn=lambda x, dim: torch.softmax(x, dim), tol="reduction")
    case("softmax_mid", "softmax", [randn(3, 5, 4)], params={"dim": 1},
         fn=lambda x, dim: torch.softmax(x, dim), tol="reduction", strided=True)
    case("log_softmax", "log_softmax", [randn(6, 33) * 3], params={"dim": 1},
         fn=lambda x, dim: torch.log_softmax(x, dim), tol="reduction")
    # ---- linear algebra, convolution, pooling -----------------------------------------
    case("matmul_odd", "matmul", [randn(45, 65), randn(65, 33)], fn=torch.matmul,
         tol="matmul")
    case("matmul_batched_bcast", "matmul", [randn(2, 3, 17, 9), randn(3, 9, 5)],
         fn=torch.matmul, tol="matmul", strided=True)
    case("matmul_vec", "matmul", [randn(7, 5), randn(5)], fn=torch.matmul, tol="matmul")
    conv_cfgs = [
        ("conv_basic", (2, 3, 9, 8), (4, 3, 3, 3), dict(stride=1, padding=1, dilation=1,
                                                         groups=1), True),
        ("conv_stem", (1, 3, 23, 19), (8, 3, 7, 7), dict(stride=2, padding=3, dilation=1,
                                                          groups=1), False),
        ("conv_dilated_groups", (2, 4, 11, 10), (6, 2, 3, 3), dict(stride=2, padding=2,
                                                                    dilation=2, groups=2), True),
        ("conv_depthwise", (2, 6, 8, 8), (6, 1, 3, 3), dict(stride=1, padding=1, dilation=1,
                                                             groups=6), True),
        ("conv_pointwise", (2, 5, 6, 7), (3, 5, 1, 1), dict(stride=1, padding=0, dilation=1,
                                                             groups=1), True),
    ]
    for name, xs, ws, p, bias in conv_cfgs:
        ins = [randn(*xs), randn(*ws) * 0.3] + ([randn(ws[0])] if bias else [])
        case(name, "conv2d", ins, params=p,
             fn=lambda x, w, b=None, **kw: F.conv2d(x, w, b, **kw), tol="matmul",
             strided=name == "conv_depthwise")
    case("avg_pool_ed", "avg_pool2d", [randn(2, 3, 8, 9)],
         params={"kernel": 3, "stride": 1, "padding": 1},
         fn=lambda x, kernel, stride, padding: F.avg_pool2d(x, kernel, stride, padding),
         tol="reduction", strided=True)
    case("avg_pool_s2", "avg_pool2d", [randn(1, 2, 7, 6)],
         params={"kernel": 2, "stride": 2, "padding": 0},
         fn=lambda x, kernel, stride, padding: F.avg_pool2d(x, kernel, stride, padding),
         tol="reduction")
    case("max_pool_stem", "max_pool2d", [randn(2, 3, 11, 10)],
         params={"kernel": 3, "stride": 2, "padding": 1},
         fn=lambda x, kernel, stride, padding: F.max_pool2d(x, kernel, stride, padding),
         tol="reduction")
    # ---- normalisation and resampling --------------------------------------------------
    case("layer_norm_affine", "layer_norm", [randn(4, 7, 32) * 2 + 1, randn(32), randn(32)],
         params={"normalized_shape": [32], "eps": 1e-5},
         fn=lambda x, w, b, normalized_shape, eps: F.layer_norm(x, normalized_shape, w, b, eps),
         tol="reduction")
    case("layer_norm_plain", "layer_norm", [randn(3, 5, 6)],
         params={"normalized_shape": [5, 6], "eps": 1e-5},
         fn=lambda x, normalized_shape, eps: F.layer_norm(x, normalized_shape, eps=eps),
         tol="reduction", strided=True)
    for name, size, ac, xs in [("bilinear_up_ac", (16, 13), True, (1, 2, 7, 5)),
                               ("bilinear_up", (16, 13), False, (2, 1, 7, 5)),
                               ("bilinear_down", (5, 7), False, (1, 2, 16, 16)),
                               ("bilinear_ed", (64, 64), True, (2, 1, 8, 8))]:
        case(name, "bilinear", [randn(*xs)], params={"size": list(size), "align_corners": ac},
             fn=lambda x, size, align_corners: F.interpolate(
                 x, size=size, mode="bilinear", align_corners=align_corners), tol="reduction")
    # ---- joining and indexing ------------------------------------------------------------
    case("cat", "cat", [randn(2, 3, 4), randn(2, 5, 4)], params={"dim": 1},
         fn=lambda a, b, dim: torch.cat([a, b], dim))
    case("stack", "stack", [randn(3, 4), randn(3, 4)], params={"dim": 1},
         fn=lambda a, b, dim: torch.stack([a, b], dim))
    idx = torch.tensor([4, 0, 2, 2, 1])
    case("index_select", "index_select", [randn(3, 5, 2)], params={"dim": 1},
         fn=lambda x, dim: torch.index_select(x, dim, idx), int_inputs={"index": idx})
    gidx = torch.randint(0, 6, (4, 3))
    case("gather", "gather", [randn(4, 6)], params={"dim": 1},
         fn=lambda x, dim: torch.gather(x, dim, gidx), int_inputs={"index": gidx})


def main():
    build()
    os.makedirs(OUT, exist_ok=True)
    manifest = {
        "format": "ed4j-op-fixtures/1",
        "torch": torch.__version__,
        "seed": 20261203,
        "dtype": "float32",
        "cases": CASES,
    }
    with open(os.path.join(OUT, "ops.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    np.savez_compressed(os.path.join(OUT, "ops.npz"), **ARRAYS)
    print(f"wrote {len(CASES)} op cases, {len(ARRAYS)} arrays to {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
