"""Fixtures of the ED model from the reference implementation (ed_reference.py).

Small configuration: 64 px input with resnet18 channels (level 0: 128 channels on 8x8,
level 1: 256 channels on 4x4), width 32 on both levels, 8 heads, 3 layers, random init.

Writes tests/src/test/resources/fixtures/ed/{ed.json, ed.npz}:
- initial weights of both levels (keys level0.<key>, level1.<key>) and reference features;
- backbone features of three training batches and one test batch;
- forward results on the test batch: reconstructions, first-layer correlations and priors,
  loss terms, parameter gradients of loss1 + loss2, per-level scores and the anomaly map;
- parameters after three batches of the published training loop (two Adam steps each);
- forward outputs of the ablations (intra only, inter only, neither) on level 0.
"""
import json
import os

import numpy as np
import torch

import ed_reference as ed

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "src", "test", "resources", "fixtures", "ed")
ARRAYS = {}

LEVELS = [dict(c=128, d=32, h=8, w=8), dict(c=256, d=32, h=4, w=4)]
SIZE = 64
BATCH = 2


def put(key, t):
    ARRAYS[key] = t.detach().cpu().numpy().astype(
        np.int64 if t.dtype == torch.int64 else np.float32)


def features(gen, lvl):
    c, h, w = lvl["c"], lvl["h"], lvl["w"]
    # Positive, ReLU-like activations as a backbone produces.
    return torch.relu(torch.randn(BATCH, c, h, w, generator=gen) + 0.3)


def main():
    torch.manual_seed(3407)
    gen = torch.Generator().manual_seed(99)
    models = [ed.ED(l["c"], l["d"], l["h"], l["w"]) for l in LEVELS]
    for i, m in enumerate(models):
        for k, v in m.state_dict().items():
            put(f"init.level{i}.{k}", v)
    train_feats = [[features(gen, l) for l in LEVELS] for _ in range(3)]
    test_feats = [features(gen, l) for l in LEVELS]
    for b, feats in enumerate(train_feats):
        for i, f in enumerate(feats):
            put(f"train{b}.level{i}", f)
    for i, f in enumerate(test_feats):
        put(f"test.level{i}", f)
    # Reference features: mean pooled features of the training images, (C, L).
    refs = []
    for i in range(len(LEVELS)):
        toks = torch.cat([ed.tokens_of(feats[i]) for feats in train_feats], 0)
        refs.append(toks.mean(0).t().contiguous())
        put(f"ref.level{i}", refs[-1])

    # ---- forward, losses and gradients on the test batch (train mode) --------------------
    for i, m in enumerate(models):
        toks = ed.tokens_of(test_feats[i])
        put(f"fwd.level{i}.tokens", toks)
        out, corr = m(toks, refs[i])
        put(f"fwd.level{i}.out", out)
        for k in ["a_s", "t_c"]:
            put(f"fwd.level{i}.{k}0", corr[k][0])
        loss1, loss2, terms = ed.losses(m, out, toks, corr)
        for k, v in terms.items():
            put(f"fwd.level{i}.term.{k}", v)
        put(f"fwd.level{i}.loss1", loss1)
        put(f"fwd.level{i}.loss2", loss2)
        m.zero_grad(set_to_none=True)
        loss1.backward(retain_graph=True)
        loss2.backward()
        for k, p in m.named_parameters():
            if p.grad is not None:
                put(f"grad.level{i}.{k}", p.grad)
        m.zero_grad(set_to_none=True)

    # ---- scores and the anomaly map (eval mode) --------------------------------------------
    scores = []
    for i, m in enumerate(models):
        m.eval()
        s = ed.level_scores(m, ed.tokens_of(test_feats[i]), refs[i], LEVELS[i]["h"],
                            LEVELS[i]["w"])
        put(f"score.level{i}", s)
        scores.append(s)
        m.train()
    put("map", ed.anomaly_map(scores, SIZE))

    # ---- ablations on level 0 ---------------------------------------------------------------
    ablations = {}
    for name, intra, inter in [("intra", True, False), ("inter", False, True),
                               ("none", False, False)]:
        l0 = LEVELS[0]
        m = ed.ED(l0["c"], l0["d"], l0["h"], l0["w"], intra=intra, inter=inter)
        # The ablations reuse level 0's initial weights (a subset of its keys).
        init0 = {k: torch.from_numpy(v) for k, v in ARRAYS.items()
                 if k.startswith("init.level0.")}
        m.load_state_dict({k[len("init.level0."):]: v for k, v in init0.items()
                           if k[len("init.level0."):] in m.state_dict()})
        toks = ed.tokens_of(test_feats[0])
        out, _ = m(toks, refs[0])
        put(f"abl.{name}.out", out)
        m.eval()
        put(f"abl.{name}.score", ed.level_scores(m, toks, refs[0], l0["h"], l0["w"]))
        ablations[name] = {"intra": intra, "inter": inter}

    # ---- three batches of the published loop ------------------------------------------------
    params = [p for m in models for p in m.parameters()]
    opt = torch.optim.Adam(params, lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
    for b in range(3):
        toks = [ed.tokens_of(f) for f in train_feats[b]]
        ed.published_step(models, opt, toks, refs)
    untouched = []
    for i, m in enumerate(models):
        for k, v in m.state_dict().items():
            put(f"trained.level{i}.{k}", v)
            if not torch.equal(v, torch.from_numpy(ARRAYS[f"init.level{i}.{k}"])):
                continue
            untouched.append(f"level{i}.{k}")

    os.makedirs(OUT, exist_ok=True)
    manifest = {
        "format": "ed4j-ed-fixtures/1",
        "torch": torch.__version__,
        "size": SIZE,
        "batch": BATCH,
        "levels": LEVELS,
        "heads": 8,
        "layers": 3,
        "lambda1": 0.5,
        "lambda2": 0.5,
        "lr": 1e-4,
        "ablations": ablations,
        "untouched_after_training": untouched,
    }
    with open(os.path.join(OUT, "ed.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    np.savez_compressed(os.path.join(OUT, "ed.npz"), **ARRAYS)
    print(f"wrote {len(ARRAYS)} arrays to {os.path.relpath(OUT)}; untouched: {untouched}")


if __name__ == "__main__":
    main()
