#!/usr/bin/python3
"""The image's look (pretrained ImageNet features) as a third source of the attribution combination, beside
the detector and the generator fingerprints (engine/attribution_fusion.h): trains the look head, chooses
the combination's three numbers on the validation split, and exports both for the engine.

Features: the whole image (box-averaged first when large: box_shrink), resized to 224x224 (bilinear,
antialiased, in PyTorch), through the MobileNetV2 of mobilenet_v2_nsfwjs.py; the global means of six
stages' outputs (blocks 2, 5, 9, 12, 15 and the last 1x1 convolution: 1656 numbers), standardised on the
train split. A multinomial logistic regression (the
"look head") learns the nine answers the analysis can give a fake: the seven attribution/ generators,
stylegan2, and other_diffusion (the unnamed models: binary/'s and DIF's except dalle_mini), from the train
split's fakes, each once as it is and once re-encoded as JPEG at a random quality in [40, 100]. Its
ridge is chosen on val.

The combination then scores each candidate as the engine does, plus the look's log-probability:

    log p_detector(g) + w * E_g + v * log q_look(g)       (named generators)
    log p_detector(u) + b       + v * log q_look(u)       (the unnamed class)

and (w, b, v) are chosen together on val by fit_attribution_fusion.py's criterion (the mean of the
attribution/, StyleGAN2 and unnamed-model accuracies, originals and JPEG q65), v = 0 being today's
engine. The detector's and the fingerprints' scores are the C++ engine's, read from
fit_attribution_fusion.py's work folder (run it first, with --test); the look's are this script's.
--test prints the chosen triple's figures on the held-out test split. --export writes look.pt, the
TorchScript file the engine loads (a uint8 HxWx3 RGB image in, after box_shrink, the nine log-probabilities
out: resize, network, pooling, standardisation and head in one module), and --write-manifest puts it and the chosen
numbers into a detector's manifest ("attribution": "look", "fingerprint_weight", "unnamed_offset").

    /usr/bin/python3 models/baseline/fit_attribution_fusion.py --test     # the engine's scores, cached
    /usr/bin/python3 models/look/fit_look.py [--test] [--export models/look/look.pt \
        --write-manifest models/baseline/baseline.json]
"""
import argparse
import csv
import hashlib
import io
import json
import os
import random
import sys

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from scipy.optimize import minimize

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "baseline"))
import fit_attribution_fusion as fusion  # noqa: E402
import mobilenet_v2_nsfwjs  # noqa: E402

STAGES = ["block_2_add", "block_5_add", "block_9_add", "block_12_add", "block_15_add", "out_relu"]
ANSWERS = fusion.ART + ["stylegan2", "other_diffusion"]


SHRINK_TO = 448  # the engine's LookModel: kShrinkTo


def box_shrink(rgb):
    """The engine's box average before the look (look_model.cpp, boxShrink): each side by the largest whole
    factor that keeps it at least SHRINK_TO, in integers, rounded half up; the image is cropped to a multiple
    of the factors first. A camera image then costs little, and so does a long panorama; a side under
    2 * SHRINK_TO is unchanged."""
    ky, kx = max(1, rgb.shape[0] // SHRINK_TO), max(1, rgb.shape[1] // SHRINK_TO)
    if kx == 1 and ky == 1:
        return rgb
    h, w = rgb.shape[0] // ky, rgb.shape[1] // kx
    s = rgb[:h * ky, :w * kx].astype(np.int64).reshape(h, ky, w, kx, 3).sum((1, 3))
    return ((s + kx * ky // 2) // (kx * ky)).astype(np.uint8)


def look_features(net, rgb):
    """uint8 HxWx3 -> the 1656 pooled stage outputs (the network's own input range, [-1, 1])."""
    x = torch.from_numpy(np.ascontiguousarray(box_shrink(rgb))).permute(2, 0, 1)[None].float() / 127.5 - 1
    x = F.interpolate(x, size=(224, 224), mode="bilinear", antialias=True, align_corners=False)
    with torch.no_grad():
        return torch.cat([o.mean((2, 3)) for o in net(x)], 1)[0].numpy()


class LookNet(torch.nn.Module):
    """What the engine runs, after box_shrink: a uint8 HxWx3 RGB image -> log-probabilities over ANSWERS
    (look_features, the standardisation and the head in one module)."""

    def __init__(self, net, mu, sd, W):
        super().__init__()
        self.net = net
        self.register_buffer("mu", torch.tensor(mu, dtype=torch.float32))
        self.register_buffer("sd", torch.tensor(sd, dtype=torch.float32))
        self.head = torch.nn.Linear(W.shape[0] - 1, W.shape[1])
        with torch.no_grad():
            self.head.weight.copy_(torch.tensor(W[:-1].T, dtype=torch.float32))
            self.head.bias.copy_(torch.tensor(W[-1], dtype=torch.float32))

    def forward(self, rgb):
        x = rgb.permute(2, 0, 1).unsqueeze(0).float() / 127.5 - 1
        x = F.interpolate(x, size=(224, 224), mode="bilinear", antialias=True, align_corners=False)
        f = torch.cat([o.mean((2, 3)) for o in self.net(x)], 1)
        return torch.log_softmax(self.head((f - self.mu) / self.sd), 1)[0]


def export(path, net, mu, sd, W, check_images):
    """Traces LookNet (the graph is fixed once the image is 224x224) and checks the file against the
    features the head was fitted on."""
    look = LookNet(net, mu, sd, W).eval()
    with torch.no_grad():
        traced = torch.jit.trace(look, torch.from_numpy(check_images[0]))
        for rgb in check_images:  # other sizes than the one traced
            a, b = traced(torch.from_numpy(rgb)), look(torch.from_numpy(rgb))
            if float((a - b).abs().max()) > 1e-4:
                sys.exit("export: the traced module differs from the eager one (%g)" % float((a - b).abs().max()))
    torch.jit.save(traced, path)
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def jpeg(rgb, q):
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=q)
    buf.seek(0)
    return np.asarray(Image.open(buf).convert("RGB"))


def fit_head(X, y, l2, k=len(ANSWERS)):
    """Multinomial logistic regression (L-BFGS), ridge on the weights: W (d+1) x k, the last row the bias."""
    n, d = X.shape
    Y = np.eye(k)[y]

    def loss(flat):
        W = flat.reshape(d + 1, k)
        Z = X @ W[:-1] + W[-1]
        Z -= Z.max(1, keepdims=True)
        P = np.exp(Z)
        P /= P.sum(1, keepdims=True)
        value = -np.sum(Y * np.log(P + 1e-12)) / n + 0.5 * l2 * np.sum(W[:-1] ** 2)
        return value, np.vstack([X.T @ (P - Y) / n + l2 * W[:-1], (P - Y).mean(0)]).ravel()

    return minimize(loss, np.zeros((d + 1) * k), jac=True, method="L-BFGS-B", options={"maxiter": 500}).x.reshape(d + 1, k)


def log_softmax(Z):
    Z = Z - Z.max(1, keepdims=True)
    return Z - np.log(np.exp(Z).sum(1, keepdims=True))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default="/tmp/synthscope-look", help="the network's files and the features")
    ap.add_argument("--fusion-work", default="/tmp/synthscope-attribution-fusion", help="fit_attribution_fusion.py's --work")
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "..", "shared", "data"), help="as fit_attribution_fusion.py's")
    ap.add_argument("--model", default=os.path.join(HERE, "..", "baseline", "baseline.json"))
    ap.add_argument("--split", default=os.path.join(HERE, "..", "baseline", "split.csv"))
    ap.add_argument("--test", action="store_true")
    ap.add_argument("--wide-grid", action="store_true",
                    help="search w up to 2.0 and v up to 3.0 (the shipped choice touched w = 1.2; models/look/README.md)")
    ap.add_argument("--export", metavar="LOOK_PT", help="write the TorchScript look model here")
    ap.add_argument("--write-manifest", metavar="MANIFEST", help="with --export: put the look and the chosen numbers here")
    args = ap.parse_args()
    torch.set_num_threads(2)
    labels = {r["file"]: r for r in csv.DictReader(open(os.path.join(args.data, "labels.csv")))}
    split = {r["file"]: r["split"] for r in csv.DictReader(open(args.split))}
    fakes = sorted(f for f in split if labels[f]["label"] == "fake")

    cache = os.path.join(args.work, "look_features_shrunk.npz")
    if not os.path.exists(cache):
        net = mobilenet_v2_nsfwjs.load(args.work, STAGES)
        rng = random.Random(0)
        keys, feats = [], []
        for i, f in enumerate(fakes):
            rgb = np.asarray(Image.open(os.path.join(args.data, f)).convert("RGB"))
            variants = ([("original", rgb), ("jpeg", jpeg(rgb, rng.randint(40, 100)))] if split[f] == "train"
                        else [("original", rgb), ("q65", jpeg(rgb, 65))])
            for tag, im in variants:
                keys.append("%s|%s" % (f, tag))
                feats.append(look_features(net, im))
            if i % 200 == 0:
                print("features: %d of %d fakes" % (i, len(fakes)), flush=True)
        np.savez(cache, keys=np.array(keys), feats=np.array(feats, np.float32))
    z = np.load(cache)
    index = {k: i for i, k in enumerate(z["keys"])}
    feats = z["feats"]

    def answer_index(f):
        t = fusion.truth_of(labels[f])
        return ANSWERS.index(t if t is not None else "other_diffusion")

    train = [(f, tag) for f in fakes if split[f] == "train" for tag in ("original", "jpeg")]
    Xtr = feats[[index["%s|%s" % k] for k in train]]
    mu, sd = Xtr.mean(0), Xtr.std(0) + 1e-6
    ytr = np.array([answer_index(f) for f, _ in train])

    def look_of(files, condition, W):
        X = (feats[[index["%s|%s" % (f, condition)] for f in files]] - mu) / sd
        return log_softmax(X @ W[:-1] + W[-1])

    manifest = json.load(open(args.model))

    class FusionArgs:  # fit_attribution_fusion.scores reads its cache with these
        data, work, model, synthscope, library = args.data, args.fusion_work, args.model, "", ""

    def split_data(name):
        files = [f for f in fakes if split[f] == name]
        return files, [fusion.truth_of(labels[f]) for f in files], \
            {c: fusion.scores(FusionArgs, name, c, files) for c in ("original", "q65")}

    val_files, val_truths, val_rows = split_data("val")
    heads = {}
    print("look head alone on val (attribution/ | StyleGAN2 | unnamed), original / q65:")
    for l2 in (1e-3, 1e-2, 1e-1, 1.0):
        W = fit_head((Xtr - mu) / sd, ytr, l2)
        per = {}
        for c in ("original", "q65"):
            told = [ANSWERS[i] for i in look_of(val_files, c, W).argmax(1)]
            per[c] = fusion.accuracies(val_truths, [None if t == "other_diffusion" else t for t in told])
        mean = np.mean([a for c in per for a, _ in per[c].values()])
        heads[l2] = (mean, W)
        print("  ridge %-6g mean %.3f  %s" % (l2, mean, "  ".join(
            "%s %.3f/%.3f" % (g, per["original"][g][0], per["q65"][g][0]) for g in ("art7", "stylegan2", "unnamed"))))
    l2 = max(heads, key=lambda k: heads[k][0])
    W = heads[l2][1]
    print("chosen ridge %g" % l2)

    val_looks = {c: look_of(val_files, c, W) for c in ("original", "q65")}
    grid = []
    w_top, vs = (2.0, (2.5, 3.0)) if args.wide_grid else (1.2, ())
    for w in np.round(np.arange(0.3, w_top + 0.01, 0.1), 2):
        for b in np.round(np.arange(0.0, -3.01, -0.25), 2):
            for v in (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0) + vs:
                per = {c: fusion.accuracies(val_truths, fusion.answers(val_rows[c], manifest, w, b, val_looks[c], v, ANSWERS)) for c in val_rows}
                grid.append((float(np.mean([np.mean([a for a, _ in per[c].values()]) for c in per])), w, b, v, per))
    grid.sort(key=lambda g: -g[0])
    print("   w      b     v   mean   art7 orig/q65   stylegan2   unnamed")
    for mean, w, b, v, per in grid[:10] + [g for g in grid if g[3] == 0][:1]:
        o, q = per["original"], per["q65"]
        print("%4.1f %6.2f %5.2f  %.3f   %.3f / %.3f   %.3f / %.3f   %.3f / %.3f" % (
            w, b, v, mean, o["art7"][0], q["art7"][0], o["stylegan2"][0], q["stylegan2"][0], o["unnamed"][0], q["unnamed"][0]))
    def middle_of_best(candidates):
        """fit_attribution_fusion.py's rule: among those within 0.005 of the best, the one nearest their middle."""
        plateau = [g for g in candidates if g[0] >= candidates[0][0] - 0.005]
        mw, mb, mv = (np.mean([g[i] for g in plateau]) for i in (1, 2, 3))
        return min(plateau, key=lambda g: (g[1] - mw) ** 2 + ((g[2] - mb) / 2.5) ** 2 + ((g[3] - mv) / 2) ** 2), len(plateau)

    # The same rule without the look (v = 0) gives fit_attribution_fusion.py's choice: the comparison.
    (_, w0, b0, _, _), _ = middle_of_best([g for g in grid if g[3] == 0])
    (mean, w, b, v, per), plateau_size = middle_of_best(grid)
    o, q = per["original"], per["q65"]
    print("without the look, the same rule chooses weight %.1f, unnamed offset %.2f" % (w0, b0))
    print("chosen: weight %.1f, unnamed offset %.2f, look weight %.2f (validation mean %.3f; plateau of %d): "
          "art7 %.3f / %.3f, stylegan2 %.3f / %.3f, unnamed %.3f / %.3f" % (
              w, b, v, mean, plateau_size, o["art7"][0], q["art7"][0], o["stylegan2"][0], q["stylegan2"][0], o["unnamed"][0], q["unnamed"][0]))

    if args.test:
        test_files, test_truths, test_rows = split_data("test")
        for c in test_rows:
            looks = look_of(test_files, c, W)
            alone = fusion.accuracies(test_truths, [None if ANSWERS[i] == "other_diffusion" else ANSWERS[i] for i in looks.argmax(1)])
            before = fusion.accuracies(test_truths, fusion.answers(test_rows[c], manifest, w0, b0))
            fused = fusion.accuracies(test_truths, fusion.answers(test_rows[c], manifest, w, b, looks, v, ANSWERS))
            for label, acc in (("without look", before), ("look alone", alone), ("with the look", fused)):
                print("test %-8s %-14s %s" % (c, label, "  ".join("%s %.3f (n=%d)" % (g, a, n) for g, (a, n) in acc.items())))
    if args.export:
        net = mobilenet_v2_nsfwjs.load(args.work, STAGES)
        samples = [box_shrink(np.asarray(Image.open(os.path.join(args.data, f)).convert("RGB"))) for f in val_files[::40]]
        sha = export(args.export, net, mu, sd, W, samples)
        print("wrote %s (sha256 %s)" % (args.export, sha))
        if args.write_manifest:
            look = {
                "file": os.path.relpath(os.path.abspath(args.export), os.path.dirname(os.path.abspath(args.write_manifest))),
                "sha256": sha, "answers": ANSWERS, "weight": float(v),
                "network": "MobileNetV2 (ImageNet, Keras; blocks 11-16 fine-tuned by nsfwjs 4.3.0, MIT), pooled stage "
                           "outputs; head trained on the train split's fakes of models/baseline/split.csv, ridge %g" % l2}
            fusion.write_choice(args.write_manifest, w, b, per["original"], mean,
                                "with the fingerprints of models/fingerprints and the look", "models/look/fit_look.py", look)
    return 0


if __name__ == "__main__":
    sys.exit(main())
