#!/usr/bin/python3
"""Image fixtures for the datasets module: small test images and what PIL/torchvision make of them.

Run with Debian's interpreter, which has python3-pil (Pillow 9.4) and python3-torchvision (0.14):

    /usr/bin/python3 tests/python/fixtures_images.py

It writes into datasets/src/test/resources/fixtures/images/ (committed; Maven never runs this):

  src/<name>.<ext>          test images in many modes and formats, odd and non-square sizes
  decode/<file>.rgb.npy     PIL  Image.open(f).convert("RGB")   uint8 (H, W, 3), small files
  decode/<file>.L.npy       PIL  Image.open(f).convert("L")     uint8 (H, W), small files
  lanczos/<src>_<W>x<H>.npy PIL  img.resize((W, H), LANCZOS)    uint8 (H, W, C)
  nearest/<src>_<W>x<H>.npy PIL  mask.resize((W, H), NEAREST)   uint8 (H, W)
  tv/<case>.npy             torchvision Compose([...]) outputs  float32 (C, H, W)
  manifest.txt              versions, and one line per torchvision case describing it

Everything is deterministic (fixed numpy seed), so rerunning reproduces the same bytes for the
same library versions.
"""

import io
import os
import struct
import sys
import zlib

import numpy as np
import PIL
import torch
import torchvision
from PIL import Image
from torchvision import transforms as T

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "datasets", "src",
                   "test", "resources", "fixtures", "images")
OUT = os.path.normpath(OUT)
RNG = np.random.RandomState(20240613)
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def path(*parts):
    p = os.path.join(OUT, *parts)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    return p


def scene(w, h, noise=6.0):
    """A smooth RGB scene with sharp edges and a little noise: gradients, discs, stripes."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    u, v = x / max(w - 1, 1), y / max(h - 1, 1)
    r = 40 + 180 * u + 30 * np.sin(7 * v)
    g = 60 + 150 * v + 25 * np.cos(5 * u + 3 * v)
    b = 200 - 120 * u * v + 20 * np.sin(11 * (u - v))
    img = np.stack([r, g, b], axis=-1)
    for _ in range(3):
        cx, cy = RNG.uniform(0, w), RNG.uniform(0, h)
        rad = RNG.uniform(0.1, 0.3) * min(w, h)
        inside = (x - cx) ** 2 + (y - cy) ** 2 < rad ** 2
        img[inside] = RNG.uniform(0, 255, size=3)
    stripes = (np.floor(x / max(2, w // 9)) % 2 == 0) & (v > 0.7)
    img[stripes] = 255 - img[stripes]
    img += RNG.normal(0, noise, size=img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def blob_mask(w, h, values=(255,)):
    """A mask of a few filled ellipses; values other than 255 test binarisation."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    m = np.zeros((h, w), np.uint8)
    for i in range(4):
        cx, cy = RNG.uniform(0, w), RNG.uniform(0, h)
        rx, ry = RNG.uniform(0.05, 0.3) * w + 1, RNG.uniform(0.05, 0.3) * h + 1
        m[((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 < 1] = values[i % len(values)]
    # A one-pixel grid makes any wrong source index visible.
    m[::5, ::3] = 128
    return m


def raw_png(w, h, color_type, bit_depth, rows):
    """A PNG written by hand, for modes PIL cannot save (16-bit RGB, 2-bit gray, ...)."""
    def chunk(tag, data):
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))
    raw = b"".join(b"\x00" + r for r in rows)
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b""))


def raw_bmp565(w, h, pixels):
    """A 16-bit BI_BITFIELDS 5-6-5 BMP, bottom-up rows padded to 4 bytes."""
    stride = (w * 2 + 3) // 4 * 4
    body = b""
    for row in reversed(pixels):
        data = b"".join(struct.pack("<H", p) for p in row)
        body += data + b"\x00" * (stride - len(data))
    masks = struct.pack("<III", 0xF800, 0x07E0, 0x001F)
    offset = 14 + 40 + len(masks)
    header = struct.pack("<2sIHHI", b"BM", offset + len(body), 0, 0, offset)
    info = struct.pack("<IiiHHIIiiII", 40, w, h, 1, 16, 3, len(body), 2835, 2835, 0, 0)
    return header + info + masks + body


def write_sources():
    """Writes the source images and returns the set of file names."""
    files = {}

    def save(name, ext, img, **kw):
        fn = f"{name}.{ext}"
        img.save(path("src", fn), **kw)
        files[fn] = fn

    def save_bytes(name, ext, data):
        fn = f"{name}.{ext}"
        with open(path("src", fn), "wb") as f:
            f.write(data)
        files[fn] = fn

    save("rgb_37x23", "png", Image.fromarray(scene(37, 23), "RGB"))
    save("rgb_64x48", "png", Image.fromarray(scene(64, 48), "RGB"))
    save("rgb_320x240", "png", Image.fromarray(scene(320, 240, noise=2.0), "RGB"))
    gray = Image.fromarray(scene(40, 31)[..., 1], "L")
    save("gray_40x31", "png", gray)
    rgba = np.dstack([scene(29, 33), RNG.randint(0, 256, size=(33, 29)).astype(np.uint8)])
    save("rgba_29x33", "png", Image.fromarray(rgba, "RGBA"))
    la = np.dstack([scene(21, 17)[..., 0], RNG.randint(0, 256, size=(17, 21)).astype(np.uint8)])
    save("la_21x17", "png", Image.fromarray(la, "LA"))
    pal = Image.fromarray(scene(30, 20), "RGB").quantize(colors=37, method=Image.MEDIANCUT)
    save("pal_30x20", "png", pal)
    pal_t = pal.copy()
    pal_t.info["transparency"] = 3
    save("palt_30x20", "png", pal_t, transparency=3)
    g16 = (RNG.randint(0, 65536, size=(19, 25))).astype(np.uint16)
    g16[:4] = RNG.randint(0, 300, size=(4, 25))  # values below and just above 255
    save("gray16_25x19", "png", Image.fromarray(g16, "I;16"))
    rgb16 = RNG.randint(0, 65536, size=(11, 13, 3)).astype(">u2")
    save_bytes("rgb16_13x11", "png", raw_png(13, 11, 2, 16, [r.tobytes() for r in rgb16]))
    rgba16 = RNG.randint(0, 65536, size=(7, 9, 4)).astype(">u2")
    save_bytes("rgba16_9x7", "png", raw_png(9, 7, 6, 16, [r.tobytes() for r in rgba16]))
    g2 = RNG.randint(0, 4, size=(7, 19))
    rows2 = [np.packbits(np.unpackbits(r.astype(np.uint8)[:, None], axis=1)[:, 6:].ravel())
             .tobytes() for r in g2]
    save_bytes("gray2_19x7", "png", raw_png(19, 7, 0, 2, rows2))
    bw = Image.fromarray(RNG.randint(0, 2, size=(9, 23)).astype(bool))
    save("bw_23x9", "png", bw)
    save("rgb_33x17", "bmp", Image.fromarray(scene(33, 17), "RGB"))
    save("pal_30x20", "bmp", pal)
    save("gray_40x31", "bmp", gray)
    px565 = RNG.randint(0, 65536, size=(5, 9)).tolist()
    save_bytes("rgb565_9x5", "bmp", raw_bmp565(9, 5, px565))
    save("rgb_48x40_q90", "jpg", Image.fromarray(scene(48, 40), "RGB"), quality=90)
    save("rgb_35x27_444", "jpg", Image.fromarray(scene(35, 27), "RGB"), quality=95,
         subsampling=0)
    save("gray_40x31", "jpg", gray, quality=90)
    save("mask_37x23", "png", Image.fromarray(blob_mask(37, 23, (255, 200, 255, 1)), "L"))
    save("mask_320x240", "png", Image.fromarray(blob_mask(320, 240), "L"))
    save("mask_997x3", "png", Image.fromarray(blob_mask(997, 3), "L"))
    colour_mask = np.zeros((12, 14, 3), np.uint8)
    colour_mask[2:9, 3:12] = RNG.randint(0, 256, size=(7, 9, 3))
    colour_mask[0, 0] = (1, 0, 0)  # luma rounds to 0: not anomalous after convert("L")
    save("mask_rgb_14x12", "png", Image.fromarray(colour_mask, "RGB"))
    save("cmyk_16x12", "jpg", Image.fromarray(scene(16, 12), "RGB").convert("CMYK"),
         quality=90)
    return files


def write_decoded(files):
    for fn in files:
        im = Image.open(path("src", fn))
        if im.width * im.height > 4096:
            continue  # large sources are covered through their resize fixtures
        np.save(path("decode", f"{fn}.rgb.npy"), np.asarray(im.convert("RGB")))
        np.save(path("decode", f"{fn}.L.npy"), np.asarray(im.convert("L")))


LANCZOS_CASES = {
    "rgb_37x23": [(64, 64), (50, 41), (20, 13), (37, 50), (11, 23), (3, 2), (1, 1), (74, 23)],
    "rgb_64x48": [(200, 150), (16, 16), (33, 47), (63, 49)],
    "rgb_320x240": [(256, 256), (101, 77), (640, 9)],
    "gray_40x31": [(17, 29), (80, 62)],
}

NEAREST_CASES = {
    "mask_37x23": [(16, 16), (64, 64), (100, 7), (5, 40), (3, 3), (74, 46)],
    "mask_320x240": [(256, 256), (117, 255)],
    "mask_997x3": [(256, 3), (300, 10)],
}


def write_resizes(files):
    for name, sizes in LANCZOS_CASES.items():
        im = Image.open(path("src", name + ".png"))
        for w, h in sizes:
            np.save(path("lanczos", f"{name}_{w}x{h}.npy"),
                    np.asarray(im.resize((w, h), Image.LANCZOS)))
    for name, sizes in NEAREST_CASES.items():
        im = Image.open(path("src", name + ".png"))
        for w, h in sizes:
            np.save(path("nearest", f"{name}_{w}x{h}.npy"),
                    np.asarray(im.resize((w, h), Image.NEAREST)))


# (case, source, kind, size): "shorter" = Resize(s) + CenterCrop(s); "exact" = Resize((s, s)).
TV_CASES = [
    ("img_shorter_rgb_320x240_s64", "rgb_320x240", "img", "shorter", 64),
    ("img_exact_rgb_320x240_s64", "rgb_320x240", "img", "exact", 64),
    ("img_shorter_rgb_37x23_s29", "rgb_37x23", "img", "shorter", 29),
    ("img_shorter_rgb_37x23_s100", "rgb_37x23", "img", "shorter", 100),
    ("img_exact_rgb_37x23_s48", "rgb_37x23", "img", "exact", 48),
    ("img_shorter_rgba_29x33_s20", "rgba_29x33", "img", "shorter", 20),
    ("img_shorter_gray_40x31_s31", "gray_40x31", "img", "shorter", 31),
    ("mask_shorter_mask_320x240_s64", "mask_320x240", "mask", "shorter", 64),
    ("mask_exact_mask_37x23_s48", "mask_37x23", "mask", "exact", 48),
    ("mask_shorter_mask_37x23_s29", "mask_37x23", "mask", "shorter", 29),
]


def write_torchvision(files):
    lines = []
    for case, src, kind, mode, s in TV_CASES:
        size = s if mode == "shorter" else (s, s)
        if kind == "img":
            steps = [T.Resize(size, interpolation=T.InterpolationMode.LANCZOS)]
            if mode == "shorter":
                steps.append(T.CenterCrop(s))
            steps += [T.ToTensor(), T.Normalize(MEAN, STD)]
            im = Image.open(path("src", src + ".png")).convert("RGB")
        else:
            steps = [T.Resize(size, interpolation=T.InterpolationMode.NEAREST)]
            if mode == "shorter":
                steps.append(T.CenterCrop(s))
            steps.append(T.ToTensor())
            im = Image.open(path("src", src + ".png")).convert("L")
        out = T.Compose(steps)(im).numpy().astype(np.float32)
        np.save(path("tv", f"{case}.npy"), out)
        lines.append(f"{case}: {src} {kind} {mode} {s} -> {list(out.shape)}")
    return lines


def main():
    files = write_sources()
    write_decoded(files)
    write_resizes(files)
    tv_lines = write_torchvision(files)
    with open(path("manifest.txt"), "w") as f:
        f.write(f"python {sys.version.split()[0]} pillow {PIL.__version__} "
                f"torchvision {torchvision.__version__} torch {torch.__version__} "
                f"numpy {np.__version__}\n")
        for fn in sorted(files):
            f.write(f"src {fn}\n")
        for line in tv_lines:
            f.write(f"tv {line}\n")
    total = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(OUT) for n in ns)
    print(f"wrote {OUT}: {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
