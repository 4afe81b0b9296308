"""Writes an ED checkpoint in the published format and the reference model's outputs.

Usage: published_checkpoint.py OUT_DIR

OUT_DIR/published.pth holds {'state_dict': [level0, level1]} as the published trainer saves
it (torch.save of the models' state dicts); OUT_DIR/expected.npz holds, per level, input
tokens, reference features, the reconstruction and the eval-mode scores.
"""
import os
import sys

import numpy as np
import torch

import ed_reference as ed


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(77)
    levels = [dict(c=128, d=32, h=8, w=8), dict(c=256, d=64, h=4, w=4)]
    models = [ed.ED(l["c"], l["d"], l["h"], l["w"]) for l in levels]
    torch.save({"state_dict": [m.state_dict() for m in models]},
               os.path.join(out, "published.pth"))
    arrays = {}
    for i, (m, l) in enumerate(zip(models, levels)):
        feats = torch.relu(torch.randn(2, l["c"], l["h"], l["w"]) + 0.3)
        tokens = ed.tokens_of(feats)
        ref = torch.rand(l["c"], l["h"] * l["w"])
        m.eval()
        with torch.no_grad():
            rec, _ = m(tokens, ref)
        arrays[f"level{i}.tokens"] = tokens.numpy()
        arrays[f"level{i}.ref"] = ref.numpy()
        arrays[f"level{i}.out"] = rec.numpy()
        arrays[f"level{i}.score"] = ed.level_scores(m, tokens, ref, l["h"], l["w"]).numpy()
    np.savez(os.path.join(out, "expected.npz"), **arrays)


if __name__ == "__main__":
    main()
