#!/usr/bin/env python3
"""Measures the EXIF-thumbnail check (engine/thumbnail_check.h) with the real `synthscope inspect`.

Finds every JPEG with an EXIF thumbnail under the given folders (default: DIF's real photos in
../shared/data and Debian's wallpaper packages, `apt-get install mate-backgrounds lomiri-wallpapers-16.04
plasma-workspace-wallpapers`), keeps one file per distinct thumbnail (KDE ships each photo in a dozen
sizes with one thumbnail), and writes four sets into a temporary folder:

  genuine   the files as they are (symbolic links)
  resaved   the same pixels and the same EXIF block, saved again by Pillow at JPEG quality 95
  swapped   each photo's pixels with the EXIF block (thumbnail included) of the next photo in the list
            whose thumbnail shows a different picture: camera metadata pasted into another image
  edited    each photo with a quarter-by-quarter block cloned from its top right onto the lower middle
            (a clone-stamp edit), saved with its own EXIF block

then runs `synthscope inspect --json` on each set and prints what the check said. The genuine and
resaved sets should all match, the swapped and edited ones should not.

Usage: /usr/bin/python3 bench/thumbnail_check.py [--synthscope build/app/synthscope] [FOLDER ...]
"""
import argparse, collections, hashlib, io, json, os, struct, subprocess, sys, tempfile

from PIL import Image, ImageOps

here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.dirname(here)


def exif_block(data):
    """The raw EXIF payload (after 'Exif\\0\\0') of a JPEG's first APP1, or None."""
    i = 2
    while i + 4 <= len(data) and data[i] == 0xFF:
        marker, length = data[i + 1], struct.unpack('>H', data[i + 2:i + 4])[0]
        if marker == 0xE1 and data[i + 4:i + 10] == b'Exif\0\0':
            return data[i + 10:i + 2 + length]
        if marker == 0xDA:
            break
        i += 2 + length
    return None


def thumbnail(tiff):
    """The IFD1 JPEG thumbnail of a TIFF-structured EXIF payload, or None."""
    try:
        e = '<' if tiff[:2] == b'II' else '>'
        ifd0 = struct.unpack(e + 'I', tiff[4:8])[0]
        n = struct.unpack(e + 'H', tiff[ifd0:ifd0 + 2])[0]
        ifd1 = struct.unpack(e + 'I', tiff[ifd0 + 2 + 12 * n:ifd0 + 6 + 12 * n])[0]
        if not ifd1:
            return None
        offset = length = None
        for k in range(struct.unpack(e + 'H', tiff[ifd1:ifd1 + 2])[0]):
            tag, _, _, value = struct.unpack(e + 'HHII', tiff[ifd1 + 2 + 12 * k:ifd1 + 14 + 12 * k])
            offset = value if tag == 0x201 else offset
            length = value if tag == 0x202 else length
        if offset is None or not length:
            return None
        return tiff[offset:offset + length]
    except struct.error:
        return None


def find_photos(folders):
    photos, seen = [], set()
    for folder in folders:
        for root, _, files in sorted(os.walk(folder)):
            for name in sorted(files):
                path = os.path.join(root, name)
                try:
                    with open(path, 'rb') as f:
                        data = f.read()
                except OSError:
                    continue
                if data[:2] != b'\xff\xd8' or 'screenshot' in name:
                    continue
                block = exif_block(data)
                thumb = thumbnail(block) if block else None
                if not thumb:
                    continue
                key = hashlib.sha256(thumb).hexdigest()
                if key not in seen:
                    seen.add(key)
                    photos.append((path, block, thumb))
    return photos


def small_grey(jpeg_bytes, side=32):
    im = Image.open(io.BytesIO(jpeg_bytes)).convert('L')
    return list(im.resize((side, side * im.height // im.width or 1)).getdata())


def same_picture(a, b):
    """Whether two thumbnails show the same picture (correlation of 32-px grey copies above 0.9)."""
    x, y = small_grey(a), small_grey(b)
    if len(x) != len(y):
        return False
    mx, my = sum(x) / len(x), sum(y) / len(y)
    sxy = sum((p - mx) * (q - my) for p, q in zip(x, y))
    sxx = sum((p - mx) ** 2 for p in x)
    syy = sum((q - my) ** 2 for q in y)
    return sxx > 0 and syy > 0 and sxy / (sxx * syy) ** 0.5 > 0.9


def write_sets(photos, out):
    for name in ('genuine', 'resaved', 'swapped', 'edited'):
        os.makedirs(os.path.join(out, name))
    for k, (path, block, thumb) in enumerate(photos):
        stem = '%03d_%s' % (k, os.path.splitext(os.path.basename(path))[0])
        os.symlink(os.path.abspath(path), os.path.join(out, 'genuine', stem + '.jpg'))
        # Pixels as stored (the EXIF block says how to turn them), so the pasted block's orientation holds.
        im = Image.open(path).convert('RGB')
        exif = b'Exif\0\0' + block
        im.save(os.path.join(out, 'resaved', stem + '.jpg'), quality=95, exif=exif)
        donor = next((p for p in photos[k + 1:] + photos[:k] if not same_picture(p[2], thumb)), None)
        if donor:
            im.save(os.path.join(out, 'swapped', stem + '.jpg'), quality=95, exif=b'Exif\0\0' + donor[1])
        w, h = im.size
        edited = im.copy()
        edited.paste(im.crop((w - w // 4, 0, w, h // 4)), (w // 4, h // 2))
        edited.save(os.path.join(out, 'edited', stem + '.jpg'), quality=95, exif=exif)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--synthscope', default=os.path.join(repo, 'build', 'app', 'synthscope'))
    ap.add_argument('folders', nargs='*')
    args = ap.parse_args()
    data = os.path.join(repo, '..', 'shared', 'data', 'dif')
    folders = args.folders or [f for f in (data, '/usr/share/backgrounds', '/usr/share/wallpapers') if os.path.isdir(f)]
    photos = find_photos(folders)
    print('%d photos with distinct EXIF thumbnails under %s' % (len(photos), ', '.join(folders)))
    if not photos:
        sys.exit('no JPEG with an EXIF thumbnail found')
    with tempfile.TemporaryDirectory() as out:
        write_sets(photos, out)
        for name in ('genuine', 'resaved', 'swapped', 'edited'):
            report = os.path.join(out, name + '.json')
            subprocess.run([args.synthscope, 'inspect', os.path.join(out, name), '--json', report],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            with open(report) as f:
                results = json.load(f)['results']
            checks = [r['metadata']['thumbnail_check'] for r in results]
            outcomes = collections.Counter(c['outcome'] for c in checks)
            compared = [c for c in checks if c['outcome'] not in ('not_compared', 'unreadable')]
            corr = sorted(c['correlation'] for c in compared)
            worst = sorted(c['worst_cell_difference'] for c in compared)
            print('%-8s %3d files: %s; correlation %.3f-%.3f, worst cell %.1f-%.1f grey levels' % (
                name, len(checks), ', '.join('%s %d' % kv for kv in sorted(outcomes.items())),
                corr[0], corr[-1], worst[0], worst[-1]))


if __name__ == '__main__':
    main()
