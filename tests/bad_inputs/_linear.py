"""A tiny softmax-regression adapter (784 -> 10, float64) that the adapter cases break one way each.

Not a case itself: the cases import it (a spec's folder is on sys.path while it loads).
"""

import numpy as np


class Linear:
    input_shape = (784,)

    def __init__(self):
        rng = np.random.default_rng(0)
        self.W = rng.normal(0, 0.01, (10, 784))
        self.b = np.zeros(10)

    def get_params(self):
        return {"W": self.W, "b": self.b}

    def set_params(self, params):
        self.W, self.b = (np.array(params[k], dtype=np.float64) for k in ("W", "b"))

    def _probs(self, x):
        z = x.reshape(len(x), -1) @ self.W.T + self.b
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def loss(self, x, y):
        return float(-np.mean(np.log(self._probs(x)[np.arange(len(y)), y] + 1e-12)))

    def grads(self, x, y):
        d = self._probs(x)
        d[np.arange(len(y)), y] -= 1
        d /= len(y)
        return {"W": d.T @ x.reshape(len(x), -1), "b": d.sum(axis=0)}

    def step(self, x, y, lr):
        g = self.grads(x, y)
        self.W, self.b = self.W - lr * g["W"], self.b - lr * g["b"]
