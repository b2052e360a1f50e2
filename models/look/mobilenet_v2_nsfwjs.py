#!/usr/bin/python3
"""An ImageNet MobileNetV2 that can be obtained on a machine with no network but npm's registry.

nsfwjs (npm, MIT licence) ships a Keras MobileNetV2 as TensorFlow.js layers files: blocks 0-10 are Keras'
ImageNet weights, frozen (`trainable: false` in the file); blocks 11-16 and a small head were fine-tuned
by its authors on five classes (drawing, hentai, neutral, porn, sexy); the weights are quantised to 8 bits.
This file fetches it (`npm pack nsfwjs@4.3.0`), reads the layers with node (they are JavaScript modules),
and rebuilds the network in PyTorch from the Keras graph (KerasGraph). `--check` compares its output with
TensorFlow.js's own on random input (needs `npm install @tensorflow/tfjs@4` in the work folder; measured
2026-12-02: largest difference 1e-5 in the five probabilities).

    /usr/bin/python3 models/look/mobilenet_v2_nsfwjs.py --work /tmp/synthscope-look [--check]
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

PACKAGE = "nsfwjs@4.3.0"
MODEL_DIR = "package/dist/models/mobilenet_v2"


def fetch(work):
    """model.json (topology + weight manifest) and shard.bin in work, from npm's registry."""
    model, shard = os.path.join(work, "model.json"), os.path.join(work, "shard.bin")
    if os.path.exists(model) and os.path.exists(shard):
        return model, shard
    os.makedirs(work, exist_ok=True)
    tgz = subprocess.run(["npm", "pack", PACKAGE], cwd=work, check=True, capture_output=True, text=True).stdout.split()[-1]
    subprocess.run(["tar", "xzf", tgz], cwd=work, check=True)
    src = os.path.join(os.path.abspath(work), MODEL_DIR)
    script = ("const fs=require('fs');const m=require(%r);fs.writeFileSync(%r,JSON.stringify(m));"
              "fs.writeFileSync(%r,Buffer.from(require(%r),'base64'));"
              % (src + "/model.min.js", model, shard, src + "/group1-shard1of1.min.js"))
    subprocess.run(["node", "-e", script], check=True)
    return model, shard


def load_weights(manifest, blob):
    """The weight manifest's arrays, de-quantised (value = q * scale + min)."""
    out, off = {}, 0
    for w in manifest:
        n = int(np.prod(w["shape"])) if w["shape"] else 1
        q = w.get("quantization")
        if q:
            raw = np.frombuffer(blob, {"uint8": np.uint8, "uint16": np.uint16}[q["dtype"]], n, off)
            off += n * raw.itemsize
            arr = raw.astype(np.float32) * q["scale"] + q["min"]
        else:
            arr = np.frombuffer(blob, np.float32, n, off).copy()
            off += 4 * n
        out[w["name"]] = arr.reshape(w["shape"])
    if off != len(blob):
        raise ValueError("weights: %d bytes read of %d" % (off, len(blob)))
    return out


class KerasGraph(nn.Module):
    """A Keras functional model (the layer types MobileNetV2 uses) run layer by layer in PyTorch, NCHW.
    forward returns the outputs of the layers named in `outputs`."""

    def __init__(self, layers, weights, outputs):
        super().__init__()
        self.layers, self.outputs = layers, list(outputs)
        self.params = nn.ParameterDict()

        def keep(name, array):
            self.params[name] = nn.Parameter(torch.tensor(array), requires_grad=False)

        for layer in layers:
            kind, name, cfg = layer["class_name"], layer["name"], layer["config"]
            if kind == "Conv2D":
                keep(name + "_w", weights[name + "/kernel"].transpose(3, 2, 0, 1).copy())  # HWIO -> OIHW
            elif kind == "DepthwiseConv2D":
                keep(name + "_w", weights[name + "/depthwise_kernel"].transpose(2, 3, 0, 1).copy())  # HWC1 -> C1HW
            elif kind == "BatchNormalization":  # folded into a scale and a shift
                s = weights[name + "/gamma"] / np.sqrt(weights[name + "/moving_variance"] + cfg["epsilon"])
                keep(name + "_s", s)
                keep(name + "_t", weights[name + "/beta"] - weights[name + "/moving_mean"] * s)
            elif kind == "Dense":
                keep(name + "_w", weights[name + "/kernel"].T.copy())
            if kind in ("Conv2D", "DepthwiseConv2D", "Dense") and cfg.get("use_bias", False):
                keep(name + "_b", weights[name + "/bias"])

    def forward(self, x):
        values = {}
        for layer in self.layers:
            kind, name, cfg = layer["class_name"], layer["name"], layer["config"]
            inputs = [values[i[0]] for i in layer["inbound_nodes"][0]] if layer["inbound_nodes"] else [x]
            y = inputs[0]
            if kind == "ZeroPadding2D":
                (top, bottom), (left, right) = cfg["padding"]
                y = F.pad(y, [left, right, top, bottom])
            elif kind in ("Conv2D", "DepthwiseConv2D"):
                k, s = cfg["kernel_size"][0], cfg["strides"][0]
                if cfg["padding"] == "same":  # TensorFlow's: the odd pixel goes after
                    ph = max((-(-y.shape[2] // s) - 1) * s + k - y.shape[2], 0)
                    pw = max((-(-y.shape[3] // s) - 1) * s + k - y.shape[3], 0)
                    y = F.pad(y, [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2])
                groups = y.shape[1] if kind == "DepthwiseConv2D" else 1
                y = F.conv2d(y, self.params[name + "_w"], self.params[name + "_b"] if name + "_b" in self.params else None,
                             s, 0, 1, groups)
                if cfg.get("activation") == "relu":
                    y = F.relu(y)
            elif kind == "BatchNormalization":
                y = y * self.params[name + "_s"].view(1, -1, 1, 1) + self.params[name + "_t"].view(1, -1, 1, 1)
            elif kind == "ReLU":
                y = torch.clamp(y, 0, cfg["max_value"]) if cfg.get("max_value") else F.relu(y)
            elif kind == "Add":
                for other in inputs[1:]:
                    y = y + other
            elif kind == "AveragePooling2D":
                y = F.avg_pool2d(y, cfg["pool_size"][0], cfg["strides"][0])
            elif kind == "Flatten":
                y = y.permute(0, 2, 3, 1).reshape(y.shape[0], -1)  # Keras flattens channels last
            elif kind == "Dense":
                y = F.linear(y, self.params[name + "_w"], self.params[name + "_b"])
                y = {"relu": F.relu, "softmax": lambda t: torch.softmax(t, 1)}.get(cfg["activation"], lambda t: t)(y)
            elif kind not in ("InputLayer", "Dropout"):
                raise ValueError("layer type %s is not handled" % kind)
            values[name] = y
        return [values[o] for o in self.outputs]


def load(work, outputs):
    model, shard = fetch(work)
    m = json.load(open(model))
    layers = m["modelTopology"]["model_config"]["config"]["layers"]
    with open(shard, "rb") as fh:
        weights = load_weights(m["weightsManifest"][0]["weights"], fh.read())
    return KerasGraph(layers, weights, outputs).eval()


def check(work):
    """The rebuilt network against TensorFlow.js on the same random input."""
    torch.manual_seed(0)
    x = torch.rand(2, 224, 224, 3)
    x.numpy().astype("<f4").tofile(os.path.join(work, "check_x.bin"))
    script = """
const tf=require('@tensorflow/tfjs');const fs=require('fs');(async()=>{await tf.setBackend('cpu');
const m=JSON.parse(fs.readFileSync('model.json'));const b=fs.readFileSync('shard.bin');
const model=await tf.loadLayersModel(tf.io.fromMemory({modelTopology:m.modelTopology,weightSpecs:m.weightsManifest[0].weights,
weightData:b.buffer.slice(b.byteOffset,b.byteOffset+b.length)}));const xb=fs.readFileSync('check_x.bin');
const x=tf.tensor(new Float32Array(xb.buffer,xb.byteOffset,xb.length/4),[2,224,224,3]);
console.log(JSON.stringify(Array.from(await model.predict(x).data())));})();"""
    out = subprocess.run(["node", "-e", script], cwd=work, check=True, capture_output=True, text=True).stdout
    theirs = np.array(json.loads(out.strip().splitlines()[-1])).reshape(2, -1)
    net = load(work, ["dense_3"])
    with torch.no_grad():
        ours = net(x.permute(0, 3, 1, 2))[0].numpy()
    print("largest difference from TensorFlow.js: %.2g" % np.abs(ours - theirs).max())


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default="/tmp/synthscope-look")
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    fetch(a.work)
    if a.check:
        check(a.work)
    sys.exit(0)
