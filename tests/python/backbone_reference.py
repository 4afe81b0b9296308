"""Writes a torchvision backbone and its layer2/layer3 features for the Java parity test.

Usage: backbone_reference.py ARCH SIZE BATCH OUT_DIR

The network is randomly initialised (seeded) and its BatchNorm layers get non-trivial weights,
biases and running statistics, so eval-mode BatchNorm is really exercised. Writes:
  OUT_DIR/weights.pth           torch.save(state_dict) of the full network (with layer4 and fc)
  OUT_DIR/weights.safetensors   the same weights cut after layer3 (as a feature extractor uses)
  OUT_DIR/images.npy            (BATCH, 3, SIZE, SIZE) float32 normalised input images
  OUT_DIR/layer2.npy, layer3.npy  torchvision's features in eval mode
"""
import os
import sys

import numpy as np
import torch
import torchvision

from fixtures_weights import st_bytes, torch_raw


def main():
    arch, size, batch, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    torch.manual_seed(1234)
    net = getattr(torchvision.models, arch)().eval()
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.3, 0.3)
                m.running_var.uniform_(0.5, 2.0)
    os.makedirs(out, exist_ok=True)
    state = net.state_dict()
    torch.save(state, os.path.join(out, "weights.pth"))
    cut = {k: ("F32" if v.dtype == torch.float32 else "I64", tuple(v.shape), torch_raw(v))
           for k, v in state.items() if not k.startswith(("layer4.", "fc."))}
    with open(os.path.join(out, "weights.safetensors"), "wb") as f:
        f.write(st_bytes(cut, {"format": "pt"}))
    images = torch.randn(batch, 3, size, size)
    np.save(os.path.join(out, "images.npy"), images.numpy())
    with torch.no_grad():
        x = net.maxpool(net.relu(net.bn1(net.conv1(images))))
        x = net.layer1(x)
        l2 = net.layer2(x)
        l3 = net.layer3(l2)
    np.save(os.path.join(out, "layer2.npy"), l2.numpy())
    np.save(os.path.join(out, "layer3.npy"), l3.numpy())


if __name__ == "__main__":
    main()
