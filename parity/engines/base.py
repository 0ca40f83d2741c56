"""What every engine gives the step loop at each step."""

from dataclasses import dataclass


@dataclass
class Evaluation:
    """A side's state at its current weights (before the next update)."""

    loss_total: float
    loss_data: float | None  # None where the side cannot separate its terms (an adapter)
    loss_reg: float | None
    grads_total: dict | None  # key -> ndarray, native layout; None where a side has no gradients
    grads_data: dict | None
    grads_reg: dict | None
    activations: list | None  # [(layer name, ndarray)] at each stage end, forward order


class Engine:
    """One side. Subclasses set `tensors` (forward order), `dtype`, `label`."""

    tensors: list
    dtype: str
    label: str
    separates_terms = False
    has_grads = True

    def get_weights(self):
        raise NotImplementedError

    def set_weights(self, weights):
        raise NotImplementedError

    def evaluate(self, x, y):
        raise NotImplementedError

    def update(self, lr):
        """Apply one update at the weights of the last `evaluate` (lr: None = the side's own)."""
        raise NotImplementedError

    def current_lr(self):
        """The learning rate this side's next update uses, or None when it cannot say."""
        return None

    def loss_at(self, weights, x, y):
        """Full objective at `weights`, leaving the side's weights as they were (finite differences)."""
        saved = self.get_weights()
        try:
            self.set_weights(weights)
            return self.evaluate_loss(x, y)
        finally:
            self.set_weights(saved)

    def evaluate_loss(self, x, y):
        return self.evaluate(x, y).loss_total
