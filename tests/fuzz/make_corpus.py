#!/usr/bin/python3
"""Writes the seed corpus of the fuzz harnesses (tests/fuzz/corpus/<harness>/): tiny files, each a few
hundred bytes to a few KB, made here from scratch (no data from ../shared). Run with Debian's Python
(PIL, numpy): /usr/bin/python3 tests/fuzz/make_corpus.py. Deterministic; re-running rewrites the same files."""
import io
import json
import sqlite3
import tempfile
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

root = Path(__file__).resolve().parent / "corpus"
rng = np.random.default_rng(7)


def put(harness, name, data):
    d = root / harness
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def pil_bytes(img, fmt, **kw):
    b = io.BytesIO()
    img.save(b, fmt, **kw)
    return b.getvalue()


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def exif_bytes(orientation=6, software="Stable Diffusion", make="Canon"):
    e = Image.Exif()
    e[0x0112] = orientation  # Orientation
    e[0x0131] = software     # Software
    e[0x010F] = make         # Make
    e[0x0132] = "2023:04:01 10:00:00"
    return e.tobytes()


def jumbf_c2pa():
    # A JUMBF superbox (jumb) with a description box (jumd) labelled "c2pa" and an action name inside.
    label = b"c2pa\x00"
    jumd = b"jumd" + b"\x00" * 16 + b"\x03" + label
    jumd = struct.pack(">I", len(jumd) + 4) + jumd
    body = b"c2pa.actions c2pa.created http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
    inner = struct.pack(">I", len(body) + 8) + b"json" + body
    content = jumd + inner
    return struct.pack(">I", len(content) + 8) + b"jumb" + content


small = Image.fromarray(rng.integers(0, 256, (8, 12, 3), dtype=np.uint8))
grad = Image.fromarray(np.add.outer(np.arange(16), np.arange(16)).astype(np.uint8) * 8)

# --- image_decode: every format, grey/alpha/16-bit, EXIF orientation, truncation, forged sizes
jpeg = pil_bytes(small, "JPEG", quality=75, exif=exif_bytes())
put("image_decode", "rgb_exif_orient6.jpg", jpeg)
put("image_decode", "grey_progressive.jpg", pil_bytes(grad, "JPEG", quality=50, progressive=True))
put("image_decode", "truncated.jpg", jpeg[: len(jpeg) // 2])
put("image_decode", "rgb.png", pil_bytes(small, "PNG"))
put("image_decode", "rgba.png", pil_bytes(small.convert("RGBA"), "PNG"))
put("image_decode", "grey16.png", pil_bytes(Image.fromarray((np.arange(64, dtype=np.uint16) * 1000).reshape(8, 8)), "PNG"))
put("image_decode", "palette.png", pil_bytes(small.convert("P"), "PNG"))
put("image_decode", "rgb.bmp", pil_bytes(Image.fromarray(np.asarray(small)[:4, :4]), "BMP"))
put("image_decode", "rgb.tif", pil_bytes(Image.fromarray(np.asarray(small)[:4, :4]), "TIFF"))
put("image_decode", "rgb.webp", pil_bytes(small, "WEBP", quality=60))
put("image_decode", "lossless.webp", pil_bytes(Image.fromarray(np.asarray(small)[:4, :4]), "WEBP", lossless=True))
# rgb.heic and rgb.avif (24x16, 541 and 318 bytes) are not written here: PIL cannot encode them. They were
# made once with libheif's heif-enc (Debian's libheif-examples): heif-enc -q 50 [-A] -o rgb.heic tiny.png.
# A PNG whose header claims 100000 x 100000 pixels (a decompression bomb): refused before decoding.
ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)
put("image_decode", "bomb_header.png",
    b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(b"\x00" * 3000)) + png_chunk(b"IEND", b""))
put("image_decode", "not_an_image.txt", b"hello, this is not an image\n")

# --- jpeg_analysis: tables, subsampling, progressive, grey, double compression
put("jpeg_analysis", "q75_420.jpg", pil_bytes(small, "JPEG", quality=75))
put("jpeg_analysis", "q95_444.jpg", pil_bytes(small, "JPEG", quality=95, subsampling=0))
put("jpeg_analysis", "q40_422.jpg", pil_bytes(small, "JPEG", quality=40, subsampling=1))
put("jpeg_analysis", "grey_progressive.jpg", pil_bytes(grad, "JPEG", quality=60, progressive=True))
once = Image.open(io.BytesIO(pil_bytes(Image.fromarray(rng.integers(0, 256, (24, 24, 3), dtype=np.uint8)), "JPEG", quality=70)))
put("jpeg_analysis", "double_70_90.jpg", pil_bytes(once, "JPEG", quality=90))
put("jpeg_analysis", "truncated.jpg", jpeg[: len(jpeg) * 2 // 3])

# --- metadata: EXIF/XMP in JPEG, PNG text chunks (tEXt, zTXt, iTXt), eXIf, caBX, JPEG APP11 JUMBF
put("metadata", "exif.jpg", jpeg)
xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
       b'xmp:CreatorTool="Adobe Firefly" Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"/>'
       b"</rdf:RDF></x:xmpmeta>")
app1_xmp = b"http://ns.adobe.com/xap/1.0/\x00" + xmp
seg = b"\xff\xe1" + struct.pack(">H", len(app1_xmp) + 2) + app1_xmp
plain_jpeg = pil_bytes(small, "JPEG", quality=75)
put("metadata", "xmp.jpg", plain_jpeg[:2] + seg + plain_jpeg[2:])
jumbf = jumbf_c2pa()
app11 = b"JP" + struct.pack(">HI", 0x0001, 1) + jumbf  # JPEG XT box header: CI "JP", En, Z, then the box
put("metadata", "c2pa_app11.jpg", plain_jpeg[:2] + b"\xff\xeb" + struct.pack(">H", len(app11) + 2) + app11 + plain_jpeg[2:])
png = pil_bytes(small, "PNG")
ihdr_end = 8 + 25
params = b"parameters\x00a cat, Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Model: sd_xl_base_1.0"
ztxt = b"prompt\x00\x00" + zlib.compress(json.dumps({"3": {"class_type": "KSampler", "inputs": {"seed": 1}}}).encode())
itxt = b"Software\x00\x01\x00en\x00Software\x00" + zlib.compress("Midjourney v5 \u00e9".encode())
text_png = png[:ihdr_end] + png_chunk(b"tEXt", params) + png_chunk(b"zTXt", ztxt) + png_chunk(b"iTXt", itxt) + png[ihdr_end:]
put("metadata", "text_chunks.png", text_png)
put("metadata", "c2pa_cabx.png", png[:ihdr_end] + png_chunk(b"caBX", jumbf) + png[ihdr_end:])
put("metadata", "exif_chunk.png", png[:ihdr_end] + png_chunk(b"eXIf", exif_bytes()[6:] if exif_bytes().startswith(b"Exif") else exif_bytes()) + png[ihdr_end:])
put("metadata", "truncated.png", text_png[: len(text_png) - 40])


def exif_with_thumbnail(thumb):
    """A little-endian EXIF payload: IFD0 (Make) and IFD1 holding a JPEG thumbnail, as cameras write it."""
    make = b"Canon\x00"
    ifd0 = 8
    ifd1 = ifd0 + 2 + 12 + 4
    data = ifd1 + 2 + 3 * 12 + 4
    out = b"II*\x00" + struct.pack("<I", ifd0)
    out += struct.pack("<H", 1) + struct.pack("<HHII", 0x010F, 2, len(make), data) + struct.pack("<I", ifd1)
    thumb_at = data + len(make)
    out += struct.pack("<H", 3) + struct.pack("<HHIHH", 0x0103, 3, 1, 6, 0)  # Compression: JPEG
    out += struct.pack("<HHII", 0x0201, 4, 1, thumb_at) + struct.pack("<HHII", 0x0202, 4, 1, len(thumb)) + struct.pack("<I", 0)
    return b"Exif\x00\x00" + out + make + thumb


thumbnail = pil_bytes(small.resize((16, 12)), "JPEG", quality=80)
put("metadata", "exif_thumbnail.jpg", pil_bytes(small, "JPEG", quality=75, exif=exif_with_thumbnail(thumbnail)))
webp = pil_bytes(small, "WEBP", quality=50, exif=exif_bytes())
put("metadata", "exif.webp", webp)

# --- npy: the array fingerprints use, other versions, and what must be refused
def npy(arr, version=(1, 0)):
    b = io.BytesIO()
    np.lib.format.write_array(b, arr, version=version)
    return b.getvalue()


hwc = rng.standard_normal((4, 5, 3)).astype("<f4")
put("npy", "f4_4x5x3.npy", npy(hwc))
put("npy", "f4_v2.npy", npy(rng.standard_normal((2, 2, 3)).astype("<f4"), (2, 0)))
put("npy", "f4_v3.npy", npy(rng.standard_normal((1, 3, 3)).astype("<f4"), (3, 0)))
put("npy", "f8_refused.npy", npy(rng.standard_normal((2, 2, 3))))
put("npy", "fortran_refused.npy", npy(np.asfortranarray(rng.standard_normal((3, 2, 3)).astype("<f4"))))
put("npy", "big_endian_refused.npy", npy(rng.standard_normal((2, 2, 3)).astype(">f4")))
put("npy", "shape_2d_refused.npy", npy(rng.standard_normal((3, 3)).astype("<f4")))
put("npy", "short_data.npy", npy(hwc)[:-7])

# --- fingerprint: sidecar JSON, a NUL byte, then the .npy bytes
sidecar = {"generator": "gen", "mu_real": -0.002, "mu_fake": 0.009, "sigma_real": 0.0048, "sigma_fake": 0.0057,
           "residual": "highpass", "clip": 3, "shape_hwc": [4, 5, 3]}
put("fingerprint", "valid", json.dumps(sidecar).encode() + b"\x00" + npy(hwc))
put("fingerprint", "dif_style", json.dumps({"mu_real": 0.01, "mu_fake": 0.03}).encode() + b"\x00" + npy(hwc[:2]))
put("fingerprint", "equal_centres", json.dumps({"mu_real": 0.5, "mu_fake": 0.5}).encode() + b"\x00" + npy(hwc))
put("fingerprint", "shape_mismatch", json.dumps(dict(sidecar, shape_hwc=[5, 4, 3])).encode() + b"\x00" + npy(hwc))
put("fingerprint", "no_npy", json.dumps(sidecar).encode())

# --- manifest: a complete one, a minimal one, and a few broken ones
full = {
    "format": "synthscope-model/1", "name": "fuzz", "version": "1.0", "description": "seed",
    "weights": "fuzz.pt", "sha256": "c549ad1a8f82240d70d38e5a7a59a6259c66405e57ef29c733c48881d80dcf2e",
    "classes": ["authentic", "sd", "mj"], "authentic_class": "authentic", "generators": {"sd": "stable_diffusion", "mj": None},
    "input": {"size": 32, "range": [0, 1], "normalization": {"type": "mean_std", "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]}},
    "output": "logits", "patch_policy": {"stride": 16, "verdict_top_k": 3, "small_image": "reject"},
    "verdict": {"inconclusive_band": [0.35, 0.65]},
    "inference": {"device": "cpu", "precision": "bf16", "batch_size": 4, "optimize": False},
    "provenance": {"source": "seed"}, "accuracy": {"note": "none"},
}
put("manifest", "full.json", json.dumps(full, indent=1).encode())
put("manifest", "minimal.json", json.dumps({"name": "m", "weights": "m.pt", "classes": ["real", "fake"],
                                            "authentic_class": "real", "input": {"size": 8}}).encode())
put("manifest", "bad_class.json", json.dumps(dict(full, authentic_class="nope")).encode())
put("manifest", "huge_numbers.json", json.dumps(dict(full, input={"size": 1e300, "normalization": {"type": "mean_std", "mean": [1e300, 0, 0], "std": [1e-300, 1, 1]}})).encode())
put("manifest", "mean_out_of_range.json", json.dumps({"name": "m", "weights": "m.pt", "classes": ["real", "fake"], "authentic_class": "real",
                                                      "input": {"size": 32, "normalization": {"type": "mean_std", "mean": [1e300, 0, 0], "std": [1, 1, 1]}}}).encode())
put("manifest", "not_json.json", b"{\"name\": \"m\", \"classes\": [")


# --- case_file: a SynthScope case (SQLite, the schema of engine/case_store.cpp) with one result and one
# failure, 512-byte pages to keep it small. Stored results are qCompress'd JSON: a 4-byte big-endian length,
# then a zlib stream.
def q_compress(raw, claimed=None):
    return struct.pack(">I", len(raw) if claimed is None else claimed) + zlib.compress(raw)


def case_file(blob):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "case.sscase"
        db = sqlite3.connect(path)
        db.execute("PRAGMA page_size=512")
        db.executescript("""
            CREATE TABLE case_info(key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE results(image_sha256 TEXT NOT NULL, model_sha256 TEXT NOT NULL, settings TEXT NOT NULL,
              model_name TEXT, model_version TEXT, software_version TEXT, label TEXT NOT NULL,
              synthetic_probability REAL, spread REAL, top_generator TEXT, top_generator_probability REAL,
              width INTEGER, height INTEGER, format TEXT, file_size INTEGER, analysed_at TEXT NOT NULL,
              result_json BLOB NOT NULL, PRIMARY KEY(image_sha256, model_sha256, settings));
            CREATE TABLE images(path TEXT NOT NULL, image_sha256 TEXT NOT NULL, added_at TEXT NOT NULL,
              PRIMARY KEY(path, image_sha256));
            CREATE INDEX images_by_sha ON images(image_sha256);
            CREATE TABLE failures(path TEXT PRIMARY KEY, kind TEXT, message TEXT, at TEXT);""")
        db.execute("INSERT INTO case_info VALUES ('format', 'synthscope-case/1'), ('created', '2024-01-01T00:00:00Z')")
        db.execute("INSERT INTO results VALUES ('aa', 'bb', 'k', 'baseline', '0.1', '0.1.0', 'synthetic', 0.9, 0.1, 'sd', 0.5,"
                   " 8, 8, 'PNG', 100, '2024-01-01T00:00:00Z', ?)", (blob,))
        db.execute("INSERT INTO images VALUES ('/x/a.png', 'aa', '2024-01-01T00:00:00Z')")
        db.execute("INSERT INTO failures VALUES ('/x/b.png', 'bad_input', 'empty', '2024-01-01T00:00:00Z')")
        db.commit()
        db.close()
        return path.read_bytes()


result = {"image": {"path": "/x/a.png", "sha256": "aa", "file_size": 100, "format": "PNG", "width": 8, "height": 8},
          "verdict": {"label": "synthetic", "synthetic_probability": 0.9, "inconclusive_band": [0.35, 0.65],
                      "classes": [{"name": "authentic", "probability": 0.1}]},
          "grid": {"cols": 1, "rows": 1, "classes": ["authentic", "sd"]},
          "patches": [{"x": 0, "y": 0, "size": 8, "contrast": 1.5, "top_k": True, "probabilities": [0.1, 0.9]}]}
raw = json.dumps(result).encode()
put("case_file", "one_result.sscase", case_file(q_compress(raw)))
put("case_file", "wrong_format.sscase", case_file(q_compress(raw)).replace(b"synthscope-case/1", b"synthscope-case/9"))

# --- helper_answer: what a decoder helper run writes (engine/decoder_process.cpp, "The helper's answer"),
# after one byte for the harness: even = a picture (its pixel limit from the rest of that byte), odd =
# metadata. Numbers are 32-bit little-endian; a text is its length, then its bytes.
MAGIC = b"SSDECO3\n"


def u32(v):
    return struct.pack("<I", v)


def text(b):
    return u32(len(b)) + b


def findings(items):
    return u32(len(items)) + b"".join(text(sev) + text(t) for sev, t in items)


def entries(items):
    return u32(len(items)) + b"".join(text(g) + text(k) + text(v) for g, k, v in items)


pixels = bytes(rng.integers(0, 256, 2 * 3 * 3, dtype=np.uint8))
put("helper_answer", "pixels_3x2", bytes([20]) + MAGIC + u32(0) + u32(3) + u32(2) + text(b"") + pixels)
put("helper_answer", "above_limit", bytes([0]) + MAGIC + u32(1) + u32(4000) + u32(3000) + text(b""))
put("helper_answer", "refused", bytes([20]) + MAGIC + u32(2) + u32(0) + u32(0) +
    text(b"evidence.png: the PNG data could not be decoded (corrupt or truncated file)"))
thumb = pil_bytes(Image.new("RGB", (16, 12), (90, 140, 30)), "JPEG", quality=80)
put("helper_answer", "metadata", bytes([1]) + MAGIC + u32(3) +
    entries([(b"Image", b"Exif.Image.Make", b"Canon"), (b"Photo", b"Exif.Photo.DateTimeOriginal", b"2021:05:01 10:00:00")]) +
    entries([(b"xmp", b"Xmp.xmp.CreatorTool", b"Some Editor 2")]) + entries([]) +
    text(b"<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"></x:xmpmeta>") + u32(1) + text(thumb) +
    findings([]) + findings([(b"info", b"The file holds 1 image.")]))
