"""Reference values of the ED evaluation metrics (package ed4j.ed.metrics).

Run with /usr/bin/python3 (numpy 1.24, scipy 1.10, scikit-learn 1.2). Maven never runs it.

- Gaussian blur: scipy.ndimage.gaussian_filter(map, 4) on float32 maps (64x64, 37x29 and maps
  smaller than the radius 16), and the 1-D kernels scipy builds for a few sigmas.
- Pixel AUROC: sklearn.metrics.roc_auc_score over all pixels of a set of maps and masks.
- Connected components: scipy.ndimage.label(mask, np.ones((3, 3))) (8-connectivity), as the
  official MVTec AD evaluation labels ground-truth regions.
- AUPRO: the per-region overlap curve integrated up to FPR 0.3 and divided by 0.3, computed by
  `aupro_reference` below (the exact, sorting-based procedure of the MVTec AD evaluation:
  one curve point per distinct score, FPR over all normal pixels, PRO averaged over all
  regions, trapezoids up to the limit with the last segment interpolated); each value is
  checked against the independent per-threshold computation `aupro_brute_force`.
- Image AUROC and F1 threshold: roc_auc_score and precision_recall_curve + argmax(F1) on
  float64 image scores with ties, and on the maxima of the blurred maps.

Writes ed-model/src/test/resources/fixtures/metrics/metrics.npz.
"""
import os

import numpy as np
import scipy
import scipy.ndimage as ndi
import sklearn
from sklearn.metrics import precision_recall_curve, roc_auc_score

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "ed-model", "src", "test", "resources", "fixtures",
                   "metrics")
ARRAYS = {}
SIGMA = 4.0
FPR_LIMIT = 0.3


def put(key, value, dtype):
    ARRAYS[key] = np.ascontiguousarray(np.asarray(value, dtype=dtype))


# -----------------------------------------------------------------------------------------
# AUPRO references
# -----------------------------------------------------------------------------------------

def trapezoid_to(x, y, x_max):
    """Trapezoidal area under (x, y) for x <= x_max, the segment crossing x_max interpolated.
    x must be non-decreasing and reach beyond x_max or equal it."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    correction = 0.0
    if x_max not in x:
        ins = int(np.searchsorted(x, x_max, side="right"))
        assert 0 < ins < len(x)
        y_at = y[ins - 1] + (y[ins] - y[ins - 1]) * (x_max - x[ins - 1]) / (x[ins] - x[ins - 1])
        correction = 0.5 * (y_at + y[ins - 1]) * (x_max - x[ins - 1])
    keep = x <= x_max
    x, y = x[keep], y[keep]
    return float(np.sum(0.5 * (y[1:] + y[:-1]) * (x[1:] - x[:-1])) + correction)


EIGHT = np.ones((3, 3), dtype=int)
FOUR = ndi.generate_binary_structure(2, 1)


def regions(mask, structure=EIGHT):
    return ndi.label(mask != 0, structure=structure)


def aupro_reference(maps, masks, limit=FPR_LIMIT, structure=EIGHT):
    """Sorting-based PRO curve: each pixel carries its change of the FPR (1 / #normal pixels)
    or of the mean overlap (1 / (#regions * region size)); sorted by decreasing score, the
    cumulative sums taken at the last pixel of each group of equal scores are the curve."""
    scores, d_fp, d_pro = [], [], []
    n_regions = 0
    region_size = []
    region_of = []
    for m, g in zip(maps, masks):
        labeled, n = regions(g, structure)
        sizes = np.bincount(labeled.ravel(), minlength=n + 1)
        scores.append(m.ravel())
        region_of.append(np.where(labeled.ravel() > 0, labeled.ravel() + n_regions, 0))
        region_size.extend(sizes[1:].tolist())
        n_regions += n
    scores = np.concatenate(scores)
    region_of = np.concatenate(region_of)
    sizes = np.array([0] + region_size, dtype=np.float64)
    normal = region_of == 0
    n_normal = int(normal.sum())
    d_fp = normal.astype(np.float64) / n_normal
    d_pro = np.where(normal, 0.0, 1.0 / np.where(normal, 1.0, sizes[region_of])) / n_regions
    order = np.argsort(scores, kind="mergesort")[::-1]
    s = scores[order]
    fpr = np.cumsum(d_fp[order])
    pro = np.cumsum(d_pro[order])
    last = np.append(np.diff(s) != 0, True)
    fpr = np.minimum(np.concatenate(([0.0], fpr[last])), 1.0)
    pro = np.minimum(np.concatenate(([0.0], pro[last])), 1.0)
    return trapezoid_to(fpr, pro, limit) / limit


def aupro_brute_force(maps, masks, limit=FPR_LIMIT):
    """The same curve from its definition: for every distinct score t, FPR(t) = share of
    normal pixels with score >= t, PRO(t) = mean over regions of the share of region pixels
    with score >= t."""
    scores = np.concatenate([m.ravel() for m in maps])
    normal_scores = []
    region_scores = []
    for m, g in zip(maps, masks):
        labeled, n = regions(g)
        normal_scores.append(m[labeled == 0])
        for k in range(1, n + 1):
            region_scores.append(m[labeled == k])
    normal_scores = np.concatenate(normal_scores)
    xs, ys = [0.0], [0.0]
    for t in np.unique(scores)[::-1]:
        xs.append(float(np.mean(normal_scores >= t)))
        ys.append(float(np.mean([np.mean(r >= t) for r in region_scores])))
    return trapezoid_to(xs, ys, limit) / limit


def assert_raster_numbering(labeled, n):
    """scipy numbers regions in the raster order of their first pixel, as the Java code does."""
    flat = labeled.ravel()
    first = [int(np.argmax(flat == k)) for k in range(1, n + 1)]
    assert first == sorted(first), first


# -----------------------------------------------------------------------------------------
# F1 threshold reference
# -----------------------------------------------------------------------------------------

def f1_threshold(labels, scores):
    precision, recall, thresholds = precision_recall_curve(labels, scores)
    denom = precision + recall
    f1 = np.zeros_like(precision)
    ok = denom != 0
    f1[ok] = 2 * precision[ok] * recall[ok] / denom[ok]
    best = int(np.argmax(f1))
    return float(thresholds[best]), float(f1[best])


# -----------------------------------------------------------------------------------------
# Data
# -----------------------------------------------------------------------------------------

def blob_mask(rng, h, w, kind):
    """Masks with blobs, isolated pixels and pixels touching only diagonally, as uint8 0/255."""
    if kind == "empty":
        return np.zeros((h, w), dtype=np.uint8)
    field = ndi.gaussian_filter(rng.standard_normal((h, w)), 2.5)
    mask = field > np.quantile(field, 0.9)
    # A diagonal chain (one region under 8-connectivity, several under 4-connectivity).
    r0, c0 = rng.integers(0, h - 4), rng.integers(0, w - 4)
    mask[r0:r0 + 4, c0:c0 + 4] = False
    for k in range(4):
        mask[r0 + k, c0 + k] = True
    # Isolated pixels.
    for _ in range(3):
        mask[rng.integers(0, h), rng.integers(0, w)] = True
    return np.where(mask, 255, 0).astype(np.uint8)


def score_map(rng, mask, quantize):
    """Scores higher inside anomalies, with noise; quantized maps have many ties, also between
    normal and anomalous pixels."""
    base = rng.standard_normal(mask.shape) * 0.6 + (mask != 0) * rng.uniform(0.3, 1.5)
    base = ndi.gaussian_filter(base, 1.0) + 0.3 * rng.standard_normal(mask.shape)
    base += rng.normal(0.0, 0.4)
    if quantize:
        base = np.round(base * 8) / 8
    return base.astype(np.float32)


def make_set(rng, n, h, w, kinds, quantize):
    masks = [blob_mask(rng, h, w, k) for k in kinds]
    maps = [score_map(rng, m, q) for m, q in zip(masks, quantize)]
    assert len(masks) == n
    return np.stack(maps), np.stack(masks)


def blur_without_intermediate_rounding(a, sigma):
    t = ndi.gaussian_filter1d(a.astype(np.float64), sigma, axis=0)
    return ndi.gaussian_filter1d(t, sigma, axis=1).astype(np.float32)


def main():
    print(f"numpy {np.__version__}, scipy {scipy.__version__}, sklearn {sklearn.__version__}")
    rng = np.random.default_rng(20240607)

    # Kernels (sigma 16 has 129 taps: NumPy's pairwise sum then splits the array).
    from scipy.ndimage._filters import _gaussian_kernel1d
    for name, sigma in [("4", 4.0), ("1_5", 1.5), ("0_7", 0.7), ("16", 16.0)]:
        radius = int(4.0 * sigma + 0.5)
        put(f"kernel.sigma{name}", _gaussian_kernel1d(sigma, 0, radius), np.float64)

    # Blur of single maps, small ones included (reflected repeatedly).
    blur_cases = {
        "64x64": (rng.standard_normal((64, 64)) * np.exp(rng.uniform(-6, 6, (64, 64)))),
        "37x29": rng.uniform(0, 1, (37, 29)),
        "20x40": np.round(rng.uniform(0, 4, (20, 40))),
        "5x3": rng.standard_normal((5, 3)) * 1000,
        "1x1": np.array([[3.25]]),
        "1x7": rng.standard_normal((1, 7)),
        "2x33": rng.standard_normal((2, 33)),
    }
    differs = 0
    for name, a in blur_cases.items():
        a = a.astype(np.float32)
        out = ndi.gaussian_filter(a, SIGMA)
        assert out.dtype == np.float32
        put(f"blur.{name}.in", a, np.float32)
        put(f"blur.{name}.out", out, np.float32)
        differs += int(np.sum(blur_without_intermediate_rounding(a, SIGMA) != out))
    # SciPy rounds the first pass to float32; keeping it in float64 would change pixels.
    assert differs > 0
    print(f"blur: {differs} pixels differ when the intermediate is kept in float64")

    # Two sets of maps and masks, as a class's test set.
    sets = {
        "a": make_set(rng, 8, 64, 64,
                      ["blob", "empty", "blob", "blob", "empty", "blob", "blob", "blob"],
                      [True, True, False, True, False, False, True, True]),
        "b": make_set(rng, 6, 37, 29,
                      ["blob", "blob", "empty", "blob", "blob", "empty"],
                      [True, False, True, True, False, True]),
    }
    for name, (maps, masks) in sets.items():
        put(f"set.{name}.maps", maps, np.float32)
        put(f"set.{name}.masks", masks, np.uint8)
        labels = (masks != 0).ravel()
        put(f"set.{name}.pixel_auroc", roc_auc_score(labels, maps.ravel()), np.float64)
        for i, m in enumerate(masks):
            labeled, n = regions(m)
            assert_raster_numbering(labeled, n)
            assert n < 256
            put(f"set.{name}.regions{i}", labeled, np.uint8)
        ref = aupro_reference(list(maps), list(masks))
        brute = aupro_brute_force(list(maps), list(masks))
        assert abs(ref - brute) < 1e-12, (ref, brute)
        put(f"set.{name}.aupro", ref, np.float64)
        # 4-connected regions give another value, so the fixture tells the two apart.
        four = aupro_reference(list(maps), list(masks), structure=FOUR)
        assert abs(four - ref) > 1e-4, (four, ref)
        # Image scores: max of the blurred map.
        img_scores = np.array([ndi.gaussian_filter(m, SIGMA).max() for m in maps])
        img_labels = np.array([m.any() for m in masks])
        put(f"set.{name}.image_scores", img_scores, np.float32)
        put(f"set.{name}.image_labels", img_labels, np.uint8)
        put(f"set.{name}.image_auroc", roc_auc_score(img_labels, img_scores), np.float64)
        thr, f1 = f1_threshold(img_labels, img_scores)
        put(f"set.{name}.f1_threshold", thr, np.float32)
        pixel_auroc = float(ARRAYS[f"set.{name}.pixel_auroc"])
        image_auroc = float(ARRAYS[f"set.{name}.image_auroc"])
        print(f"set {name}: pixel AUROC {pixel_auroc:.6f}, AUPRO {ref:.6f} (brute force"
              f" {brute:.6f}, 4-connected {four:.6f}), image AUROC {image_auroc:.4f},"
              f" F1 threshold {thr} (F1 {f1:.4f})")

    # F1 tied between two thresholds (2/3 at 4.0 and at 1.0): the lower one wins.
    put("images.f1tie.scores", [4.0, 3.0, 2.0, 1.0], np.float64)
    put("images.f1tie.labels", [1, 0, 0, 1], np.uint8)
    put("images.f1tie.auroc", roc_auc_score([1, 0, 0, 1], [4.0, 3.0, 2.0, 1.0]), np.float64)
    thr, _ = f1_threshold(np.array([1, 0, 0, 1]), np.array([4.0, 3.0, 2.0, 1.0]))
    assert thr == 1.0, thr
    put("images.f1tie.f1_threshold", thr, np.float64)

    # Tied +0.0 and -0.0: scikit-learn returns the group's first score in input order (-0.0).
    zeros = np.array([-0.0, 0.0, 2.0, 0.0, -1.0])
    put("images.signed_zero.scores", zeros, np.float64)
    put("images.signed_zero.labels", [1, 1, 0, 1, 0], np.uint8)
    put("images.signed_zero.auroc", roc_auc_score([1, 1, 0, 1, 0], zeros), np.float64)
    thr, _ = f1_threshold(np.array([1, 1, 0, 1, 0]), zeros)
    assert thr == 0.0 and np.signbit(thr), thr
    put("images.signed_zero.f1_threshold", thr, np.float64)

    # Image scores with ties, float64.
    for name, n, levels in [("ties", 60, 9), ("fine", 41, 0), ("coarse", 12, 2)]:
        labels = rng.uniform(size=n) < 0.4
        labels[0], labels[1] = True, False
        s = rng.standard_normal(n) + labels * 0.8
        if levels:
            s = np.round(s * levels / 2) / (levels / 2)
        put(f"images.{name}.scores", s, np.float64)
        put(f"images.{name}.labels", labels, np.uint8)
        put(f"images.{name}.auroc", roc_auc_score(labels, s), np.float64)
        thr, f1 = f1_threshold(labels, s)
        put(f"images.{name}.f1_threshold", thr, np.float64)
        auroc = float(ARRAYS[f"images.{name}.auroc"])
        print(f"images {name}: AUROC {auroc:.6f}, F1 threshold {thr} (F1 {f1:.4f})")

    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "metrics.npz")
    np.savez_compressed(path, **ARRAYS)
    print(f"wrote {path}: {len(ARRAYS)} arrays, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
