"""Python-adapter sides of the zoo: a 784-32-10 ReLU/softmax MLP in NumPy (float64), cross-entropy
averaged over the batch, plain full-batch SGD at the rate parity passes.

`build` is the reference; the others plant one mistake a hand port makes:

- `build_label_offset`: the port converts labels as if they were MatConvNet's 1-based classes
  (`y - 1`) although they are already 0-based; NumPy's negative index silently turns class 0
  into class 9 (label-offset).
- `build_dropout`: the port keeps inverted dropout (rate 0.5, a seeded mask per update) on the
  hidden layer while training, where the other side has none (dropout).

    parity check configs/zoo/numpy_nets.py configs/zoo/numpy_nets.py:build_label_offset --lr 0.1
"""

import numpy as np


class NumpyMLP:
    input_shape = (784,)
    layouts = {"W1": "out,in", "W2": "out,in"}

    def __init__(self, label_shift=0, dropout=0.0):
        self.label_shift, self.dropout, self.updates = label_shift, dropout, 0
        rng = np.random.default_rng(0)
        self.W1, self.b1 = rng.normal(0, 0.05, (32, 784)), np.zeros(32)
        self.W2, self.b2 = rng.normal(0, 0.05, (10, 32)), np.zeros(10)

    def get_params(self):
        return {"W1": self.W1, "b1": self.b1, "W2": self.W2, "b2": self.b2}

    def set_params(self, params):
        for key, value in params.items():
            setattr(self, key, np.array(value, dtype=np.float64))

    def _targets(self, y):
        return np.eye(10)[np.asarray(y) - self.label_shift]

    def _mask(self, shape):
        if not self.dropout:
            return np.ones(shape)
        rng = np.random.default_rng(1000 + self.updates)  # the same mask for loss, grads and step of one update
        return (rng.random(shape) >= self.dropout) / (1.0 - self.dropout)

    def _forward(self, x):
        x = x.reshape(len(x), -1)
        z1 = x @ self.W1.T + self.b1
        mask = self._mask(z1.shape)
        h = np.maximum(z1, 0) * mask
        z2 = h @ self.W2.T + self.b2
        e = np.exp(z2 - z2.max(axis=1, keepdims=True))
        return x, z1, mask, h, e / e.sum(axis=1, keepdims=True)

    def loss(self, x, y):
        *_, p = self._forward(x)
        return float(-np.mean(np.sum(self._targets(y) * np.log(p + 1e-300), axis=1)))

    def grads(self, x, y):
        x, z1, mask, h, p = self._forward(x)
        d2 = (p - self._targets(y)) / len(x)
        d1 = (d2 @ self.W2) * (z1 > 0) * mask
        return {"W1": d1.T @ x, "b1": d1.sum(axis=0), "W2": d2.T @ h, "b2": d2.sum(axis=0)}

    def step(self, x, y, lr):
        g = self.grads(x, y)
        for key in g:
            setattr(self, key, getattr(self, key) - lr * g[key])
        self.updates += 1


def build():
    return NumpyMLP()


def build_label_offset():
    return NumpyMLP(label_shift=1)


def build_dropout():
    return NumpyMLP(dropout=0.5)
