#!/usr/bin/python3
"""Leave-one-generator-out for the pretrained look features as a real/fake detector (not shipped).

The question: do ImageNet features transfer to a generator the classifier never saw, where the project's
own CNN, trained from scratch, did not (main README, "Leave-one-generator-out": unseen StyleGAN2 faces
caught 0.03 of the time, the photo-like diffusion set 0.33)? The same three held-out groups as that table:
sd_dreamstudio_2022 (art prompts), stylegan2 (faces), other_diffusion (binary/'s 600 fakes and DIF's
dalle_2, glide, mj, sd14 and sd21 fakes).

Features and classifier are try_look_verdict.py's: the pooled MobileNetV2 stages of each image's native
centre 224x224 crop, a logistic regression with the classes weighted 50/50 and ridge 100 (chosen on val
there), trained on the train split, both classes JPEG-augmented alike. For each group G it is trained
again without any image of G, then measured on every image of G (none was trained on) and on the 305
held-out reals (test split), at the threshold the class weighting puts at 0. "with G" is the same
classifier trained with G's train images, measured on G's test-split images only: the in-distribution
reference.

    /usr/bin/python3 models/look/try_look_logo.py   # 9 min on two cores once try_look_verdict.py's features exist (four fits)
"""
import argparse
import os
import sys

import numpy as np

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "baseline"))
from evaluate import roc_auc  # noqa: E402
from try_look_verdict import crop_features, fit_detector  # noqa: E402

GROUPS = {
    "sd_dreamstudio_2022": lambda folder, gen: folder == "attribution" and gen == "sd_dreamstudio_2022",
    "stylegan2": lambda folder, gen: folder == "faces" and gen == "stylegan2",
    "other_diffusion": lambda folder, gen: (folder == "binary" and gen != "real") or (
        folder == "dif" and gen in ("dalle_2", "glide", "mj", "sd14", "sd21")),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default="/tmp/synthscope-look")
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "..", "shared", "data"))
    ap.add_argument("--split", default=os.path.join(HERE, "..", "baseline", "split.csv"))
    ap.add_argument("--ridge", type=float, default=100.0)
    args = ap.parse_args()
    paths, splits, tags, X, y, source, _, _ = crop_features(args.work, args.data, args.split)
    data = os.path.realpath(args.data)
    # The generator folder of each row (dif/<generator>/..., attribution/<generator>/..., faces/fake/...).
    generator = []
    for p in paths:
        parts = os.path.relpath(p, data).split("/") if p.startswith(data) else ["wallpaper", "real"]
        if parts[0] in ("attribution", "dif"):
            generator.append("real" if "0_real" in parts else parts[1])
        elif parts[0] in ("faces", "binary"):
            generator.append("stylegan2" if parts[0] == "faces" and parts[1] == "fake" else
                             "diffusion_unnamed" if parts[1] == "fake" else "real")
        else:
            generator.append("real")
    generator = np.array(generator)
    train = (splits == "train")
    test_reals = (splits == "test") & (y == 0)

    print("%-20s %6s  %-28s %-22s %-22s %s" % ("held out", "images", "detection rate: without / with",
                                             "FPR (305 reals)", "ROC AUC without", "same-source AUC"))
    with_w = fit_detector(X[train], y[train], args.ridge)  # the reference: trained with every generator
    for name, member in GROUPS.items():
        in_g = np.array([member(s, g) for s, g in zip(source, generator)])
        without_w = fit_detector(X[train & ~in_g], y[train & ~in_g], args.ridge)
        score = lambda w, m: np.c_[X[m], np.ones(m.sum())] @ w  # noqa: E731
        line = []
        for tag in ("original", "q65"):
            g_all = in_g & (tags == tag)  # every image of G; at q65 only val's and test's (train has random-quality copies)
            g_test = in_g & (splits == "test") & (tags == tag)
            reals = test_reals & (tags == tag)
            tpr_without = (score(without_w, g_all) > 0).mean()
            tpr_with = (score(with_w, g_test) > 0).mean()
            fpr_without, fpr_with = (score(without_w, reals) > 0).mean(), (score(with_w, reals) > 0).mean()
            auc = roc_auc(np.r_[score(without_w, g_all), score(without_w, reals)], np.r_[np.ones(g_all.sum()), np.zeros(reals.sum())])
            # Against the reals of G's own source folders, where they have some (faces/, binary/, dif/).
            own = np.isin(source, np.unique(source[in_g])) & (y == 0) & (splits != "train") & (tags == tag)
            same = roc_auc(np.r_[score(without_w, g_all), score(without_w, own)], np.r_[np.ones(g_all.sum()), np.zeros(own.sum())]) \
                if own.any() else float("nan")
            line.append("%-8s %-6d %.2f / %.2f (n=%d)%s  %.3f / %.3f         %.3f                  %s" % (
                tag, g_all.sum(), tpr_without, tpr_with, g_test.sum(), " " * 6, fpr_without, fpr_with, auc,
                "%.3f" % same if own.any() else "(no matched reals)"))
        print("%-20s %s" % (name, ("\n" + " " * 21).join(line)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
