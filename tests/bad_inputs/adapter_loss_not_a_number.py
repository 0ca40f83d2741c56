"""An adapter whose loss(x, y) returns the per-sample losses, not one number."""

import numpy as np
from _linear import Linear


class PerSample(Linear):
    def loss(self, x, y):
        return -np.log(self._probs(x)[np.arange(len(y)), y])


def build():
    return PerSample()
