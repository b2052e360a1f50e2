"""Tried, not adopted (2026-12-02): a demosaicing (colour filter array) trace as evidence that a photo
came out of a camera at its native resolution, against the camera-photo false positives.

A Bayer sensor samples green on a checkerboard; the camera interpolates the other half, so the green
channel's Laplacian residual is weaker on one parity of (x + y) than on the other, with one phase over
the whole picture. Per 64x64 block of the central 2048x2048 region: L = log(mean |r| on even sites /
mean |r| on odd sites); the image's z is mean(L) / (std(L) / sqrt(blocks)), and |z| > 5 counts as a trace.

Usage: /usr/bin/python3 models/baseline/try_cfa_trace.py CSV [ROOT] [PATH_SUBSTRING]
  (at most 60 rows, drawn with seed 0; prints label, generator, mean L, z, sign agreement, file, then a count)
Measured: models/eval_sets/wallpaper_photos.csv 8 of 34 with |z| > 5; ../shared/data/labels.csv with
"attribution/" 1 of 60 fakes (6 above 3), "dif/" 3 of 60 (two sd21 fakes, one real photo), "real/" 0 of 60,
"fake" (binary/ fakes) 0 of 60. Most wallpapers were resized by their packagers, which erases the trace,
and some generators' up-sampling leaves a parity pattern of its own, so it separates nothing here.
"""
import sys, csv, numpy as np
from PIL import Image
Image.MAX_IMAGE_PIXELS = None

def stats(path, block=64, maxside=None):
    im = Image.open(path).convert('RGB')
    a = np.asarray(im).astype(np.float32)
    H, W = a.shape[:2]
    # crop to even, at most a central 2048x2048 region to keep it quick
    cs = 2048
    y0 = max(0, (H - cs)//2) & ~1; x0 = max(0, (W - cs)//2) & ~1
    a = a[y0:y0+cs, x0:x0+cs]
    H, W = a.shape[:2]; H -= H % block; W -= W % block
    a = a[:H, :W]
    g = a[..., 1]
    # Laplacian residual
    r = np.zeros_like(g)
    r[1:-1,1:-1] = 4*g[1:-1,1:-1] - g[:-2,1:-1] - g[2:,1:-1] - g[1:-1,:-2] - g[1:-1,2:]
    r = np.abs(r)
    yy, xx = np.mgrid[0:H, 0:W]
    even = ((yy + xx) % 2 == 0)
    # per-block means
    nb_y, nb_x = H//block, W//block
    rb = r.reshape(nb_y, block, nb_x, block)
    eb = even.reshape(nb_y, block, nb_x, block)
    se = (rb*eb).sum(axis=(1,3)); so = (rb*(~eb)).sum(axis=(1,3))
    ne = eb.sum(axis=(1,3)); no = (~eb).sum(axis=(1,3))
    me = se/ne + 1e-3; mo = so/no + 1e-3
    L = np.log(me/mo).ravel()
    # skip flat blocks
    lvl = ((me+mo)/2).ravel()
    keep = lvl > 1.0
    L = L[keep]
    if len(L) < 4: return float('nan'), float('nan'), 0
    m = L.mean(); s = L.std() + 1e-6
    z = m / (s/np.sqrt(len(L)))
    frac = (np.sign(L) == np.sign(m)).mean()
    return m, z, frac

rows = list(csv.DictReader(open(sys.argv[1])))
root = sys.argv[2] if len(sys.argv) > 2 else ''
import os, random
random.seed(0)
only = sys.argv[3] if len(sys.argv) > 3 else None
out = []
for r in rows:
    p = r.get('file') or r.get('path')
    if only and only not in p: continue
    out.append((r, p))
if len(out) > 60: out = random.sample(out, 60)
traced = 0
for r, p in out:
    fp = p if os.path.isabs(p) else os.path.join(root, p)
    m, z, frac = stats(fp)
    print(f"{r.get('label')},{r.get('generator')},{m:.4f},{z:.1f},{frac:.2f},{os.path.basename(p)}")
    traced += abs(z) > 5
print(f"{traced} of {len(out)} with |z| > 5")
