#!/usr/bin/env python3
"""Tried, not adopted (2026-12-02): matched filtering in coloured noise.

The library attributes by the correlation of an image's high-pass residual with each generator's mean
residual. If the residual of image content is coloured noise, the optimal linear detector of a known
pattern correlates after whitening both by the noise's power spectrum (x_w = F^-1(F(x) / P^(a/2))).
This script measures that on the split of models/baseline/split.csv: the seven attribution generators'
256x256 centre crops (train: fingerprints; val and test: 7-way top-1 by the highest correlation), the
BSDS training photos as the reals subtracted, P from all training residuals or from the reals only, a in
{0, 0.5, 1}, on original files and JPEG q65 copies (Pillow). a = 0 is the shipped recipe, in Python
(scipy's 3x3 mean with mirrored borders, median/MAD clip at 3, standardised; argmax of the raw
correlation rather than the engine's likelihood ratios, so its figures differ a little from the README's).

Usage: /usr/bin/python3 models/fingerprints/try_whitening.py [--data ../shared/data]   (about 3 minutes)
"""
import argparse, csv, io, os
import numpy as np, torch
from PIL import Image
from scipy.ndimage import uniform_filter

GENERATORS = ['dalle_mini', 'disco_diffusion', 'glid3xl', 'ldm', 'midjourney_2022', 'sd_dreamstudio_2022', 'vqgan']
REAL = len(GENERATORS)
here = os.path.dirname(os.path.abspath(__file__))


def residual(path, quality=None, side=256):
    im = Image.open(path).convert('RGB')
    w, h = im.size
    if w < side or h < side:
        return None
    im = im.crop(((w - side) // 2, (h - side) // 2, (w - side) // 2 + side, (h - side) // 2 + side))
    if quality:
        b = io.BytesIO()
        im.save(b, 'JPEG', quality=quality)
        im = Image.open(io.BytesIO(b.getvalue())).convert('RGB')
    x = np.asarray(im, np.float32) / 255
    r = x - uniform_filter(x, size=(3, 3, 1), mode='mirror')
    med = np.median(r)
    mad = np.median(np.abs(r - med)) * 1.4826
    r = np.clip(r, med - 3 * mad, med + 3 * mad)
    return ((r - r.mean()) / (r.std() + 1e-12)).astype(np.float32)


def load(data, split, which, quality=None):
    xs, ys = [], []
    for f, part in split.items():
        if part != which:
            continue
        if f.startswith('attribution/'):
            label = GENERATORS.index(f.split('/')[1])
        elif f.startswith('real/bsds/') and quality is None:
            label = REAL
        else:
            continue
        r = residual(os.path.join(data, f), quality)
        if r is not None:
            xs.append(torch.from_numpy(r).permute(2, 0, 1))
            ys.append(label)
    return torch.stack(xs), torch.tensor(ys)


def power_spectrum(x):
    return (torch.fft.fft2(x).abs() ** 2).mean(0)


def whiten(x, p, a):
    return torch.fft.ifft2(torch.fft.fft2(x) / p ** (a / 2)).real.flatten(1)


def correlation(x, w):
    x = x - x.mean(1, keepdim=True)
    w = w - w.mean(1, keepdim=True)
    return (x @ w.T) / (x.norm(dim=1, keepdim=True) * w.norm(dim=1)[None] + 1e-12)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', default=os.path.join(here, '..', '..', '..', 'shared', 'data'))
    args = ap.parse_args()
    torch.set_num_threads(2)
    with open(os.path.join(here, '..', 'baseline', 'split.csv')) as f:
        split = {r['file']: r['split'] for r in csv.DictReader(f)}
    train = load(args.data, split, 'train')
    sets = {name: load(args.data, split, part, q) for name, (part, q) in
            {'val': ('val', None), 'val q65': ('val', 65), 'test': ('test', None), 'test q65': ('test', 65)}.items()}
    xt, yt = train
    print('training crops: %d fakes, %d reals' % (int((yt < REAL).sum()), int((yt == REAL).sum())))
    for source in ('all', 'reals'):
        p = power_spectrum(xt if source == 'all' else xt[yt == REAL])
        p = p + p.mean() * 1e-3
        for a in (0.0, 0.5, 1.0):
            w = whiten(xt, p, a)
            fingerprints = torch.stack([w[yt == g].mean(0) - w[yt == REAL].mean(0) for g in range(REAL)])
            row = []
            for name, (x, y) in sets.items():
                fake = y < REAL
                top = correlation(whiten(x[fake], p, a), fingerprints).argmax(1)
                row.append('%s %.3f' % (name, (top == y[fake]).float().mean().item()))
            print('spectrum of %-5s a=%.1f  %s' % (source, a, '  '.join(row)), flush=True)


if __name__ == '__main__':
    main()
