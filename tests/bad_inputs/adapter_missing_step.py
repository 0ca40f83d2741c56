"""An adapter without step(x, y, lr): it cannot be trained."""

from _linear import Linear


class NoStep:
    input_shape = (784,)

    def __init__(self):
        self.inner = Linear()

    def get_params(self):
        return self.inner.get_params()

    def set_params(self, params):
        self.inner.set_params(params)

    def loss(self, x, y):
        return self.inner.loss(x, y)


def build():
    return NoStep()
