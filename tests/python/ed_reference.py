"""A PyTorch implementation of the ED model, written from ../shared/ED-SPEC.md.

It serves as the oracle for the Java model: same state-dict keys as the published model,
same forward computation, losses, training loop and scoring. Used by fixtures_ed.py and by
bench/ed_step_vs_pytorch.py.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

EPS = 1e-4


def grid_distances(h, w):
    """Squared row and column distances between the tokens of an h x w grid, (L, L) each."""
    rows = torch.arange(h * w) // w
    cols = torch.arange(h * w) % w
    dy = (rows[:, None] - rows[None, :]).float() ** 2
    dx = (cols[:, None] - cols[None, :]).float() ** 2
    return dy, dx


def position_code(d, h, w):
    """Fixed 2-d sinusoidal code, (d, h, w): first half varies along the width."""
    q = d // 2
    k = torch.arange(0, q, 2).float()
    rate = torch.exp(k * -(math.log(10000.0) / q))
    code = torch.zeros(d, h, w)
    col = torch.arange(w).float()[None, :] * rate[:, None]  # (q/2, w)
    row = torch.arange(h).float()[None, :] * rate[:, None]  # (q/2, h)
    code[0:q:2] = torch.sin(col)[:, None, :].expand(-1, h, -1)
    code[1:q:2] = torch.cos(col)[:, None, :].expand(-1, h, -1)
    code[q::2] = torch.sin(row)[:, :, None].expand(-1, -1, w)
    code[q + 1::2] = torch.cos(row)[:, :, None].expand(-1, -1, w)
    return code


class Projection(nn.Module):
    def __init__(self, c, d):
        super().__init__()
        self.project = nn.Conv1d(c, d, kernel_size=1)
        nn.init.kaiming_normal_(self.project.weight, mode="fan_in", nonlinearity="leaky_relu")


class Embedding2D(nn.Module):
    def __init__(self, c, d, h, w):
        super().__init__()
        self.project_embedding = Projection(c, d)
        self.h, self.w = h, w
        self.code = position_code(d, h, w).permute(1, 2, 0).reshape(h * w, d)

    def forward(self, tokens):  # (B, L, C) -> (B, L, d)
        conv = self.project_embedding.project
        y = F.conv1d(tokens.transpose(1, 2), conv.weight, conv.bias).transpose(1, 2)
        return y + self.code


class DifferenceAwareAttention(nn.Module):
    def __init__(self, d, heads, h, w, out_projection=False):
        super().__init__()
        self.heads = heads
        self.query_projection = nn.Linear(d, d)
        self.key_projection = nn.Linear(d, d)
        self.value_projection = nn.Linear(d, d)
        self.sigma_projection = nn.Linear(d, 2 * heads)
        self.out_projection = nn.Linear(d, d)
        self.scale_factor = nn.Parameter(torch.tensor(1.0 / math.sqrt(d // heads)))
        self.use_out_projection = out_projection
        dy, dx = grid_distances(h, w)
        self.dy, self.dx = dy, dx

    def forward(self, q_in, kv_in, with_prior=True):
        b, n, d = q_in.shape
        s = kv_in.shape[1]
        hd = self.heads
        q = self.query_projection(q_in).view(b, n, hd, -1).transpose(1, 2)
        k = self.key_projection(kv_in).view(kv_in.shape[0], s, hd, -1).transpose(1, 2)
        v = self.value_projection(kv_in).view(kv_in.shape[0], s, hd, -1).transpose(1, 2)
        attn = torch.softmax(self.scale_factor * (q @ k.transpose(-1, -2)), dim=-1)
        out = (attn @ v).transpose(1, 2).reshape(b, n, d)
        if self.use_out_projection:
            out = self.out_projection(out)
        if not with_prior:
            return out, None, None
        sig = self.sigma_projection(q_in).view(b, n, hd, 2).transpose(1, 2)
        sig = torch.sigmoid(5 * sig) + 1e-5
        sig = torch.pow(3, sig) - 1
        s1 = sig[..., 0:1]
        s2 = sig[..., 1:2]
        prior = torch.exp(-self.dy / (2 * s1 ** 2) - self.dx / (2 * s2 ** 2)) / (
            2 * math.pi * s1 * s2)
        return out, attn, prior


class FeedForward(nn.Module):
    def __init__(self, d, f, h, w):
        super().__init__()
        self.fc1 = nn.Linear(d, f)
        self.dwconv = nn.Module()
        self.dwconv.dwconv = nn.Conv2d(f, f, 3, padding=1, groups=f, bias=True)
        self.scaling = nn.Parameter(torch.ones(f))
        self.fc2 = nn.Linear(f, d)
        self.h, self.w = h, w

    def forward(self, x):
        b, n, _ = x.shape
        y = self.fc1(x)
        grid = y.transpose(1, 2).reshape(b, -1, self.h, self.w)
        y = self.dwconv.dwconv(grid).flatten(2).transpose(1, 2)
        y = F.gelu(y)
        y = y + self.scaling * y.median(dim=1, keepdim=True).values
        return self.fc2(y)


class D2Fusion(nn.Module):
    def __init__(self, d, f):
        super().__init__()
        self.fc = nn.Sequential(nn.Linear(2 * d, f), nn.ReLU(), nn.Linear(f, d))

    def forward(self, a, r):
        return self.fc(torch.cat([a, r], dim=-1))


class EncoderLayer(nn.Module):
    def __init__(self, d, heads, f, h, w, out_projection=False):
        super().__init__()
        self.self_attention = DifferenceAwareAttention(d, heads, h, w, out_projection)
        self.cross_attention = DifferenceAwareAttention(d, heads, h, w, out_projection)
        self.ffn = FeedForward(d, f, h, w)
        self.norm1 = nn.LayerNorm(d)
        self.norm2 = nn.LayerNorm(d)
        self.fusion = D2Fusion(d, f)

    def forward(self, x, ref, intra=True, inter=True):
        a_s = t_s = a_c = t_c = None
        if intra and inter:
            o, a_s, t_s = self.self_attention(x, x)
            a = x + o
            o, a_c, t_c = self.cross_attention(x, ref)
            r = x + o
            z = self.fusion(a, r)
        elif inter:
            o, a_c, t_c = self.cross_attention(x, ref)
            z = x + o
        elif intra:
            o, a_s, t_s = self.self_attention(x, x)
            z = x + o
        else:
            o, _, _ = self.self_attention(x, x, with_prior=False)
            z = x + o
        z = self.norm1(z)
        out = self.norm2(z + self.ffn(z))
        return out, a_s, t_s, a_c, t_c


class Encoder(nn.Module):
    def __init__(self, d, heads, f, layers, h, w, out_projection=False):
        super().__init__()
        self.encode_layers = nn.ModuleList(
            [EncoderLayer(d, heads, f, h, w, out_projection) for _ in range(layers)])
        self.norm = nn.LayerNorm(d)


class ED(nn.Module):
    """One level: reconstructs (B, L, C) tokens with reference tokens (C, L) shared by a batch."""

    def __init__(self, c, d, h, w, heads=8, layers=3, ffn_ratio=4, intra=True, inter=True,
                 out_projection=False):
        super().__init__()
        f = ffn_ratio * d
        self.intra, self.inter = intra, inter
        self.embedding = Embedding2D(c, d, h, w)
        if inter:
            self.ref_embedding = Embedding2D(c, d, h, w)
        self.encoder = Encoder(d, heads, f, layers, h, w, out_projection)
        self.projection = nn.Linear(d, c)

    def forward(self, tokens, ref):  # tokens (B, L, C), ref (C, L)
        x = self.embedding(tokens)
        r = self.ref_embedding(ref.t().unsqueeze(0)) if self.inter else None
        corr = {"a_s": [], "t_s": [], "a_c": [], "t_c": []}
        for layer in self.encoder.encode_layers:
            x, a_s, t_s, a_c, t_c = layer(x, r, self.intra, self.inter)
            for k, v in zip(["a_s", "t_s", "a_c", "t_c"], [a_s, t_s, a_c, t_c]):
                corr[k].append(v)
        x = self.encoder.norm(x)
        return self.projection(x), corr


def kl(p, q):
    """(B, H, L, S) -> (B, L): mean over heads of sum_j p (log(p+eps) - log(q+eps))."""
    return (p * (torch.log(p + EPS) - torch.log(q + EPS))).sum(-1).mean(1)


def entropy(p):
    return (-p * torch.log(p + EPS)).sum(-1).mean(1)


def normalized(t):
    return t / t.sum(-1, keepdim=True)


def correlation_terms(attns, priors):
    """c1, c2, ent averaged over layers (section 4)."""
    c1 = c2 = ent = 0.0
    for a, t in zip(attns, priors):
        p = normalized(t)
        c1 = c1 + kl(p.detach(), a).mean() + kl(a, p.detach()).mean()
        c2 = c2 + kl(p, a.detach()).mean() + kl(a.detach(), p).mean()
        ent = ent + entropy(a).mean()
    n = len(attns)
    return c1 / n, c2 / n, ent / n


def reconstruction_loss(out, tokens):
    return F.mse_loss(out, tokens) + (1 - F.cosine_similarity(out, tokens, dim=-1)).mean()


def losses(model, out, tokens, corr, l1=0.5, l2=0.5):
    rec = reconstruction_loss(out, tokens)
    terms = {"rec": rec}
    loss1 = rec
    loss2 = rec
    if model.intra:
        i1, i2, ie = correlation_terms(corr["a_s"], corr["t_s"])
        loss1 = loss1 + l1 * i2
        loss2 = loss2 - l1 * i1 - l2 * ie
        terms.update(intra1=i1, intra2=i2, intra_ent=ie)
    if model.inter:
        e1, e2, ee = correlation_terms(corr["a_c"], corr["t_c"])
        loss1 = loss1 - l1 * e2
        loss2 = loss2 + l1 * e1 + l2 * ee
        terms.update(inter1=e1, inter2=e2, inter_ent=ee)
    return loss1, loss2, terms


def published_step(models, optimizer, level_tokens, refs, l1=0.5, l2=0.5, one_pass=False):
    """One batch of the published loop: per level zero grads, two backward passes, one Adam
    step over both levels' parameters. one_pass=True backpropagates loss1 + loss2 once
    instead, which gives the same gradients up to rounding."""
    for lvl, model in enumerate(models):
        out, corr = model(level_tokens[lvl], refs[lvl])
        loss1, loss2, _ = losses(model, out, level_tokens[lvl], corr, l1, l2)
        optimizer.zero_grad(set_to_none=False)
        if one_pass:
            (loss1 + loss2).backward()
        else:
            loss1.backward(retain_graph=True)
            loss2.backward()
        optimizer.step()


def level_scores(model, tokens, ref, h, w):
    """(B, h, w) anomaly scores of one level in eval mode."""
    with torch.no_grad():
        out, corr = model(tokens, ref)
        rec = ((tokens - out) ** 2).mean(-1) + 1 - F.cosine_similarity(tokens, out, dim=-1)
        if model.inter:
            corrs = sum(kl(a, normalized(t)) + kl(normalized(t), a)
                        for a, t in zip(corr["a_c"], corr["t_c"])) / len(corr["a_c"])
            s = torch.softmax(-corrs, dim=-1)
            s = s.max(dim=-1, keepdim=True).values - s
            score = rec * s
        elif model.intra:
            corrs = sum(kl(a, normalized(t)) + kl(normalized(t), a)
                        for a, t in zip(corr["a_s"], corr["t_s"])) / len(corr["a_s"])
            score = rec * torch.softmax(-corrs, dim=-1)
        else:
            score = rec
        return score.reshape(-1, h, w)


def anomaly_map(scores_per_level, size):
    maps = [F.interpolate(s.unsqueeze(1), size=(size, size), mode="bilinear",
                          align_corners=True).squeeze(1) for s in scores_per_level]
    return sum(maps) / len(maps)


def tokens_of(features):
    """Backbone features (B, C, h, w) -> pooled tokens (B, L, C)."""
    pooled = F.avg_pool2d(features, 3, 1, 1)
    b, c, h, w = pooled.shape
    return pooled.permute(0, 2, 3, 1).reshape(b, h * w, c)
