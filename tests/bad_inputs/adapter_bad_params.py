"""An adapter whose get_params() changes W's shape once set_params() has been called: (20, 392), not (10, 784)."""

from _linear import Linear


class Reshaping(Linear):
    synced = False

    def set_params(self, params):
        super().set_params(params)
        self.synced = True

    def get_params(self):
        params = super().get_params()
        return {**params, "W": params["W"].reshape(20, 392)} if self.synced else params


def build():
    return Reshaping()
