"""Story 1, the hand-written side: the same 784-30-10 sigmoid net in NumPy, float64.

Its cost is the mean over samples of 0.1·Σ(ŷ − y)² (the mean over the 10 outputs, as Keras
'mse') plus ½λ·Σ‖W‖², and its update is W·(1 − λ·lr) − lr/N·dW — the story's convention.

Variants for planted causes: `build_plain` (no penalty), `build_summed` (sums the cost over
the batch instead of averaging it), `build_bad_grad` (forgets σ' in the output bias gradient).
"""

import numpy as np

LAMBDA = 0.001


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class NumpyMLP:
    input_shape = (784,)

    def __init__(self, lam=LAMBDA, summed=False, bad_grad=False):
        self.lam, self.summed, self.bad_grad = lam, summed, bad_grad
        self.W1, self.b1 = np.zeros((30, 784)), np.zeros(30)  # (out, in), as the NumPy net stores them
        self.W2, self.b2 = np.zeros((10, 30)), np.zeros(10)

    def get_params(self):
        return {"W1": self.W1, "b1": self.b1, "W2": self.W2, "b2": self.b2}

    def set_params(self, params):
        for key, value in params.items():
            setattr(self, key, np.array(value, dtype=np.float64))

    def _forward(self, x):
        a1 = sigmoid(x @ self.W1.T + self.b1)  # (N, 30)
        return a1, sigmoid(a1 @ self.W2.T + self.b2)  # (N, 10)

    def _scale(self, x):
        return 1.0 if self.summed else 1.0 / len(x)

    def loss(self, x, y):
        _, out = self._forward(x)
        target = np.eye(10)[y]
        data = self._scale(x) * np.sum(0.1 * (out - target) ** 2)
        return data + 0.5 * self.lam * (np.sum(self.W1 ** 2) + np.sum(self.W2 ** 2))

    def _data_grads(self, x, y):
        a1, out = self._forward(x)
        d_out = 0.2 * (out - np.eye(10)[y])  # d cost / d out, per sample
        delta2 = d_out * out * (1 - out)
        d_b2 = (d_out if self.bad_grad else delta2).sum(axis=0)
        delta1 = (delta2 @ self.W2) * a1 * (1 - a1)
        s = self._scale(x)
        return {"W1": s * delta1.T @ x, "b1": s * delta1.sum(axis=0), "W2": s * delta2.T @ a1, "b2": s * d_b2}

    def grads(self, x, y):
        g = self._data_grads(x, y)
        g["W1"] = g["W1"] + self.lam * self.W1
        g["W2"] = g["W2"] + self.lam * self.W2
        return g

    def step(self, x, y, lr):
        g = self._data_grads(x, y)
        self.W1 = self.W1 * (1 - self.lam * lr) - lr * g["W1"]
        self.W2 = self.W2 * (1 - self.lam * lr) - lr * g["W2"]
        self.b1 = self.b1 - lr * g["b1"]
        self.b2 = self.b2 - lr * g["b2"]


def build():
    return NumpyMLP()


def build_plain():
    return NumpyMLP(lam=0.0)


def build_summed():
    return NumpyMLP(lam=0.0, summed=True)


def build_bad_grad():
    return NumpyMLP(lam=0.0, bad_grad=True)
