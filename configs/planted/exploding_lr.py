"""A planted non-finite pair: the same float32 softmax regression (784 -> 10) on both sides, except
that `build_exploding` multiplies its learning rate by 1e45 in its third update — a warm-up
schedule with a wrong exponent. The float32 weights overflow to ±Inf there, so side B's
weights are non-finite at step 3 and only there; steps 0-2 agree exactly.

    parity check configs/planted/exploding_lr.py configs/planted/exploding_lr.py:build_exploding
"""

import numpy as np

EXPLODES_AT = 3  # the update (1-based) whose rate is multiplied, and so the step whose weights are Inf
MULTIPLIER = 1e45  # beyond float32's 3.4e38


class SoftmaxRegression:
    input_shape = (784,)

    def __init__(self, explode_at=None):
        rng = np.random.default_rng(0)
        self.W = rng.normal(0, 0.01, (10, 784)).astype(np.float32)
        self.b = np.zeros(10, np.float32)
        self.explode_at, self.updates = explode_at, 0

    def get_params(self):
        return {"W": self.W, "b": self.b}

    def set_params(self, params):
        self.W, self.b = (np.array(params[k], dtype=np.float32) for k in ("W", "b"))

    def _probs(self, x):
        z = x.reshape(len(x), -1).astype(np.float32) @ self.W.T + self.b
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def loss(self, x, y):
        with np.errstate(all="ignore"):
            return float(-np.mean(np.log(self._probs(x)[np.arange(len(y)), y] + 1e-12)))

    def grads(self, x, y):
        with np.errstate(all="ignore"):
            d = self._probs(x)
            d[np.arange(len(y)), y] -= 1
            d /= len(y)
            return {"W": d.T @ x.reshape(len(x), -1).astype(np.float32), "b": d.sum(axis=0)}

    def step(self, x, y, lr):
        self.updates += 1
        rate = lr * (MULTIPLIER if self.updates == self.explode_at else 1.0)
        g = self.grads(x, y)
        with np.errstate(over="ignore", invalid="ignore"):  # float32: the rate itself becomes Inf
            self.W = self.W - np.float32(rate) * g["W"]
            self.b = self.b - np.float32(rate) * g["b"]


def build():
    return SoftmaxRegression()


def build_exploding():
    return SoftmaxRegression(explode_at=EXPLODES_AT)
