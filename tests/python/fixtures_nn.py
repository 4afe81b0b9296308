"""PyTorch reference values for layers, optimizers and backbone key names.

Writes tests/src/test/resources/fixtures/nn/{nn.json, nn.npz}:
- for each layer case: the layer's parameters and buffers (PyTorch init), an input, an output
  gradient, the output, the input and parameter gradients, and buffers after the forward pass;
- optimizer trajectories: parameters and gradients per step, parameters after each step;
- torchvision's state-dict keys and shapes for every supported ResNet.
"""
import json
import os

import numpy as np
import torch
import torch.nn as nn
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "src", "test", "resources", "fixtures", "nn")

ARRAYS = {}


def put(key, t):
    ARRAYS[key] = t.detach().cpu().numpy().copy()
    return key


def layer_case(name, module, x, train):
    module.train(train)
    entry = {"name": name, "train": train, "state": {}, "param_grads": {}, "buffers_after": {}}
    for k, v in module.state_dict().items():
        entry["state"][k] = put(f"{name}.state.{k}", v)
    x = x.clone().requires_grad_(True)
    entry["input"] = put(f"{name}.input", x)
    y = module(x)
    entry["output"] = put(f"{name}.output", y)
    g = torch.randn(y.shape)
    entry["grad_output"] = put(f"{name}.gradout", g)
    y.backward(g)
    entry["grad_input"] = put(f"{name}.gradin", x.grad)
    for k, p in module.named_parameters():
        if p.grad is not None:
            entry["param_grads"][k] = put(f"{name}.grad.{k}", p.grad)
    for k, b in module.named_buffers():
        entry["buffers_after"][k] = put(f"{name}.after.{k}", b)
    return entry


def layers():
    torch.manual_seed(7)
    cases = []
    cases.append(layer_case("linear", nn.Linear(13, 7), torch.randn(2, 5, 13), True))
    cases.append(layer_case("conv1d_1x1", nn.Conv1d(6, 8, 1), torch.randn(2, 6, 11), True))
    cases.append(layer_case("conv2d_groups", nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2),
                            torch.randn(2, 4, 9, 7), True))
    bn = nn.BatchNorm2d(5)
    with torch.no_grad():
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.5, 0.5)
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
    cases.append(layer_case("batchnorm_eval", bn, torch.randn(3, 5, 4, 6) * 2 + 0.5, False))
    bn2 = nn.BatchNorm2d(5)
    with torch.no_grad():
        bn2.weight.uniform_(0.5, 1.5)
        bn2.bias.uniform_(-0.5, 0.5)
    cases.append(layer_case("batchnorm_train", bn2, torch.randn(3, 5, 4, 6) * 2 + 0.5, True))
    ln = nn.LayerNorm(16)
    with torch.no_grad():
        ln.weight.uniform_(0.5, 1.5)
        ln.bias.uniform_(-0.5, 0.5)
    cases.append(layer_case("layernorm", ln, torch.randn(2, 9, 16) * 3, True))
    return cases


def optimizer_case(name, make, steps=6):
    torch.manual_seed(11)
    a = torch.randn(4, 3).requires_grad_(True)
    b = torch.randn(5).requires_grad_(True)
    never = torch.randn(2).requires_grad_(True)  # never gets a gradient
    opt = make([a, b, never])
    entry = {"name": name, "initial": {}, "steps": []}
    for k, p in (("a", a), ("b", b), ("never", never)):
        entry["initial"][k] = put(f"{name}.init.{k}", p)
    for s in range(steps):
        opt.zero_grad(set_to_none=False)
        step = {"grads": {}, "after": {}}
        ga = torch.randn(4, 3)
        a.grad = ga.clone()
        step["grads"]["a"] = put(f"{name}.s{s}.grad.a", ga)
        if s != 2:
            gb = torch.randn(5)
            # From step 3 on, b keeps a zero gradient some steps: it still moves by momentum.
            if s >= 3:
                gb = torch.zeros(5)
            b.grad = gb.clone()
            step["grads"]["b"] = put(f"{name}.s{s}.grad.b", gb)
        else:
            b.grad = None
        opt.step()
        for k, p in (("a", a), ("b", b), ("never", never)):
            step["after"][k] = put(f"{name}.s{s}.after.{k}", p)
        entry["steps"].append(step)
    return entry


def optimizers():
    return [
        optimizer_case("adam", lambda ps: torch.optim.Adam(ps, lr=0.01)),
        optimizer_case("adam_wd", lambda ps: torch.optim.Adam(ps, lr=0.003, betas=(0.8, 0.99),
                                                               eps=1e-6, weight_decay=0.1)),
        optimizer_case("sgd_momentum", lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9)),
        optimizer_case("sgd_nesterov", lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9,
                                                                   nesterov=True,
                                                                   weight_decay=0.01)),
    ]


def backbone_keys():
    out = {}
    for arch in ["resnet18", "resnet34", "resnet50", "wide_resnet50_2", "wide_resnet101_2"]:
        m = getattr(torchvision.models, arch)()
        out[arch] = [[k, list(v.shape)] for k, v in m.state_dict().items()]
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    manifest = {
        "format": "ed4j-nn-fixtures/1",
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "layers": layers(),
        "optimizers": optimizers(),
        "backbone_keys": backbone_keys(),
    }
    with open(os.path.join(OUT, "nn.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    np.savez_compressed(os.path.join(OUT, "nn.npz"), **ARRAYS)
    print(f"wrote {len(ARRAYS)} arrays to {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
