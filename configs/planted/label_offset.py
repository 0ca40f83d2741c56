"""Planted label-offset: softmax regression on MNIST, once in Keras and once in NumPy, where the
NumPy net was written for 1-based labels (MatConvNet's convention) and subtracts 1 from each label.

    parity check configs/planted/label_offset.py:build_keras configs/planted/label_offset.py:build_numpy
"""

import numpy as np


class SoftmaxRegression:
    """784 -> 10 softmax, mean cross-entropy; `offset` is subtracted from every label it is given."""

    input_shape = (784,)

    def __init__(self, offset=0):
        self.offset = offset
        self.W, self.b = np.zeros((784, 10)), np.zeros(10)  # (in, out)

    def get_params(self):
        return {"W": self.W, "b": self.b}

    def set_params(self, params):
        self.W, self.b = (np.array(params[k], dtype=np.float64) for k in ("W", "b"))

    def _probs(self, x):
        z = x @ self.W + self.b
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def _targets(self, y):
        return np.eye(10)[(y - self.offset) % 10]

    def loss(self, x, y):
        p = self._probs(x)
        return float(-np.mean(np.sum(self._targets(y) * np.log(np.maximum(p, 1e-300)), axis=1)))

    def grads(self, x, y):
        d = (self._probs(x) - self._targets(y)) / len(x)
        return {"W": x.T @ d, "b": d.sum(axis=0)}

    def step(self, x, y, lr):
        g = self.grads(x, y)
        self.W, self.b = self.W - lr * g["W"], self.b - lr * g["b"]


def build_numpy():
    return SoftmaxRegression(offset=1)


def build_numpy_zero_based():
    return SoftmaxRegression(offset=0)


def build_keras():
    import keras

    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="categorical_crossentropy")
    return model
