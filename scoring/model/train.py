#!/usr/bin/python3
"""Fits Vigil's fraud model on exported synthetic features and writes it as ONNX.

Input: the CSV of io.vigil.scoring.model.TrainingDataExport (features in index order, label, pattern,
account_id). The model's metadata names its input features (vigil.feature_names, from the CSV's header) and, with
--feature-set-hash, the feature definition's hash (vigil.feature_set_hash). Output:
  <resources>/fraud-model.onnx            the model: features[N, WIDTH] -> score[N, 1]
  <test-resources>/model-reference.csv    reference rows and the probabilities numpy computed
  <test-resources>/bad-width.onnx         a model whose input has the wrong width
  <test-resources>/bad-input-name.onnx    a model whose input is not named 'features'
  <resources>/fraud-model-metrics.txt     held-out precision/recall

Model: a standardising layer then a small MLP (WIDTH -> HIDDEN ReLU -> 1 sigmoid), fitted with Adam on
log-loss (unweighted, so the output is a calibrated probability). The split is by time: the first
TRAIN_FRACTION of the stream trains, the rest is held out. Needs numpy and onnx only (Debian's
python3-numpy and python3-onnx); everything is deterministic from SEED.
"""
import argparse
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SEED = 7
HIDDEN = 16
EPOCHS = 6
BATCH = 512
LEARNING_RATE = 3e-3
L2 = 1e-5
TRAIN_FRACTION = 0.7
MODEL_VERSION = "fraud-mlp-1"
FEATURE_SET = "txf-1"
OPSET = 17
IR_VERSION = 8
REFERENCE_ROWS = 400


def load(path):
    with open(path) as f:
        header = f.readline().strip().split(",")
    data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
    width = header.index("label")
    return header[:width], data[:, :width].astype(np.float32), data[:, width], data[:, width + 1]


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def forward(params, x):
    """The exact computation of the ONNX graph, in float64 on the float32 parameters."""
    mean, scale, w1, b1, w2, b2 = [p.astype(np.float64) for p in params]
    h = np.maximum(((x.astype(np.float64) - mean) / scale) @ w1 + b1, 0.0)
    return sigmoid(h @ w2 + b2)[:, 0]


def fit(x, y, rng):
    n, width = x.shape
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    xs = (x - mean) / scale
    w1 = rng.normal(0.0, np.sqrt(2.0 / width), (width, HIDDEN))
    b1 = np.zeros(HIDDEN)
    w2 = rng.normal(0.0, np.sqrt(1.0 / HIDDEN), (HIDDEN, 1))
    b2 = np.array([np.log(max(y.mean(), 1e-4) / (1 - max(y.mean(), 1e-4)))])
    params = [w1, b1, w2, b2]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    t = 0
    for epoch in range(EPOCHS):
        order = rng.permutation(n)
        lr = LEARNING_RATE * (0.5 ** max(0, epoch - 2))
        for start in range(0, n, BATCH):
            idx = order[start:start + BATCH]
            xb, yb = xs[idx], y[idx]
            z1 = xb @ w1 + b1
            h = np.maximum(z1, 0.0)
            p = sigmoid(h @ w2 + b2)[:, 0]
            g = (p - yb)[:, None] / len(idx)
            gw2 = h.T @ g + L2 * w2
            gb2 = g.sum(axis=0)
            gh = (g @ w2.T) * (z1 > 0)
            gw1 = xb.T @ gh + L2 * w1
            gb1 = gh.sum(axis=0)
            t += 1
            for i, grad in enumerate([gw1, gb1, gw2, gb2]):
                m[i] = 0.9 * m[i] + 0.1 * grad
                v[i] = 0.999 * v[i] + 0.001 * grad * grad
                mh = m[i] / (1 - 0.9 ** t)
                vh = v[i] / (1 - 0.999 ** t)
                params[i] -= lr * mh / (np.sqrt(vh) + 1e-8)
        p = forward([mean, scale] + params, x)
        loss = -np.mean(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12))
        print(f"epoch {epoch}: train log-loss {loss:.5f}", file=sys.stderr)
    return [a.astype(np.float32) for a in [mean, scale] + params]


def graph(params, width, input_name="features", feature_names=None, feature_set_hash=""):
    mean, scale, w1, b1, w2, b2 = params
    inits = [numpy_helper.from_array(a, n) for a, n in
             zip([mean, scale, w1, b1, w2, b2], ["mean", "scale", "w1", "b1", "w2", "b2"])]
    nodes = [
        helper.make_node("Sub", [input_name, "mean"], ["centred"]),
        helper.make_node("Div", ["centred", "scale"], ["standard"]),
        helper.make_node("MatMul", ["standard", "w1"], ["z1"]),
        helper.make_node("Add", ["z1", "b1"], ["z1b"]),
        helper.make_node("Relu", ["z1b"], ["h"]),
        helper.make_node("MatMul", ["h", "w2"], ["z2"]),
        helper.make_node("Add", ["z2", "b2"], ["logit"]),
        helper.make_node("Sigmoid", ["logit"], ["score"]),
    ]
    g = helper.make_graph(
        nodes, "vigil_fraud_mlp",
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, ["N", width])],
        [helper.make_tensor_value_info("score", TensorProto.FLOAT, ["N", 1])],
        inits)
    model = helper.make_model(g, producer_name="vigil-train.py", opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    props = {"vigil.model_version": MODEL_VERSION, "vigil.feature_set": FEATURE_SET}
    # lineage (docs/features.md): the features the model reads, by name, in its input's column order, and the
    # content hash of the feature definition that computed them (the engine refuses a model of another definition)
    if feature_names:
        props["vigil.feature_names"] = ",".join(feature_names)
    if feature_set_hash:
        props["vigil.feature_set_hash"] = feature_set_hash
    helper.set_model_props(model, props)
    onnx.checker.check_model(model)
    return model


def precision_recall(p, y, threshold):
    predicted = p >= threshold
    tp = float(np.sum(predicted & (y == 1)))
    precision = tp / max(1.0, float(np.sum(predicted)))
    recall = tp / max(1.0, float(np.sum(y == 1)))
    return precision, recall


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", required=True)
    ap.add_argument("--resources", required=True)
    ap.add_argument("--test-resources", required=True)
    ap.add_argument("--feature-set-hash", default="",
                    help="content hash of the feature definition the CSV was computed with (vigil features check "
                         "prints it; a replay export's feature_set_hash column): written to the model's metadata")
    args = ap.parse_args()

    names, x, y, pattern = load(args.csv)
    width = x.shape[1]
    split = int(len(y) * TRAIN_FRACTION)
    rng = np.random.default_rng(SEED)
    params = fit(x[:split], y[:split], rng)

    model = graph(params, width, feature_names=names, feature_set_hash=args.feature_set_hash)
    onnx.save(model, f"{args.resources}/fraud-model.onnx")

    xt, yt, pt = x[split:], y[split:], pattern[split:]
    prob = forward(params, xt)
    lines = [f"model {MODEL_VERSION} on feature set {FEATURE_SET}: MLP {width}-{HIDDEN}-1, "
             f"trained on {split} events ({int(y[:split].sum())} fraud), "
             f"held out {len(yt)} events ({int(yt.sum())} fraud)"]
    for threshold in (0.3, 0.5, 0.7, 0.9):
        pr, rc = precision_recall(prob, yt, threshold)
        lines.append(f"threshold {threshold}: precision {pr:.3f} recall {rc:.3f}")
    for code, label in ((1, "card testing"), (2, "amount spike"), (3, "merchant hopping")):
        sel = pt == code
        if sel.any():
            lines.append(f"recall at 0.5, {label}: {float(np.mean(prob[sel] >= 0.5)):.3f} of {int(sel.sum())}")
    report = "\n".join(lines) + "\n"
    print(report, end="")
    with open(f"{args.resources}/fraud-model-metrics.txt", "w") as f:
        f.write(report)

    # Reference rows: every held-out fraud row among the first ones plus ordinary rows, computed by numpy.
    ref_rng = np.random.default_rng(SEED + 1)
    fraud_idx = np.flatnonzero(yt == 1)[: REFERENCE_ROWS // 4]
    other_idx = ref_rng.choice(np.flatnonzero(yt == 0), REFERENCE_ROWS - len(fraud_idx), replace=False)
    idx = np.sort(np.concatenate([fraud_idx, other_idx]))
    ref = forward(params, xt[idx])
    with open(f"{args.test_resources}/model-reference.csv", "w") as f:
        f.write(",".join(names) + ",probability\n")
        for row, p in zip(xt[idx], ref):
            f.write(",".join(repr(float(v)) for v in row) + f",{p!r}\n")

    # Deliberately wrong models for the load-error tests.
    bad = [params[0][:9], params[1][:9], params[2][:9], params[3], params[4], params[5]]
    onnx.save(graph(bad, 9), f"{args.test_resources}/bad-width.onnx")
    onnx.save(graph(params, width, input_name="x"), f"{args.test_resources}/bad-input-name.onnx")


if __name__ == "__main__":
    main()
