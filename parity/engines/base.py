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

    def update(self, lr=None):
        """Apply one update at the weights of the last `evaluate`.

        `lr` has one meaning for every engine: the learning rate of this update, as the step loop decided it
        (steploop.update_rates): the side's own `current_lr()` where it states one (its optimizer's rate and
        schedule, or --lr under --optimizer sgd), and for a side that cannot say (an adapter) the other
        side's rate, or --lr. None (an engine driven alone, as in tests) means the same: its own current_lr().
        Per-parameter factors (Caffe's lr_mult, MatConvNet's learningRate) apply on top of it, as the
        side's own solver does. An engine whose framework applies
        its own schedule (Keras's optimizer) is given its own current_lr() back and may leave it unused."""
        raise NotImplementedError

    def use_micro_batch(self, size):
        """--micro-batch: compute each full-batch step over micro-batches of `size` samples. An engine
        that cannot (an adapter: its protocol takes the whole batch) keeps the whole batch."""

    def current_lr(self):
        """The learning rate this side's next update uses by its own spec, or None when it cannot say."""
        return None

    def run_stage(self, index, x):
        """Stage `index` alone (the layers from the one after the previous stage's end through this
        stage's end, as `activations` names them) run on `x` at the current weights, without touching
        any statistics; `x` and the result are in the layout `activations` shows (Keras's: N×H×W×C maps,
        flattened maps in h,w,c order; the network input in that layout for stage 0). Returns None where
        the side cannot run a stage on its own (an adapter, a stage fed by more than one earlier blob).
        Isolation feeds each of one side's stages the other side's input with it."""
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


def spans(n, size):
    """[(start, stop)] of consecutive micro-batches of `size` samples covering n (the last may be smaller)."""
    return [(lo, min(lo + size, n)) for lo in range(0, n, size)]


class MicroBatched:
    """A full batch's stage activations under --micro-batch, never held whole: `blocks()` runs the forward
    pass one micro-batch at a time and yields each micro-batch's activations, stage by stage (a forward pass
    with no batch statistics, so each sample's activations are those of the full batch). The comparison
    reads them block by block (compare.py); anything else that needs a whole array gets one (np.asarray)."""

    def __init__(self, names, forward, n, size):
        self.names, self.forward, self.n, self.size = names, forward, n, size
        self._first = None

    def blocks(self):
        for lo, hi in spans(self.n, self.size):
            yield lo, hi, self.forward(lo, hi)

    def shapes(self):
        if self._first is None:
            self._first = [a.shape[1:] for a in self.forward(0, min(self.size, self.n))]
        return self._first

    def stages(self):
        return [(name, Stage(self, i)) for i, name in enumerate(self.names)]


class Stage:
    """One stage's activations of a MicroBatched full batch: an array in every use, computed when read."""

    def __init__(self, parent, index):
        self.parent, self.index = parent, index

    @property
    def shape(self):
        return (self.parent.n, *self.parent.shapes()[self.index])

    @property
    def size(self):
        count = 1
        for d in self.shape:
            count *= int(d)
        return count

    def __len__(self):
        return self.parent.n

    def __array__(self, dtype=None, copy=None):
        import numpy as np

        whole = np.concatenate([acts[self.index] for _, _, acts in self.parent.blocks()])
        return whole if dtype is None else whole.astype(dtype)

    def __getitem__(self, index):
        import numpy as np

        return np.asarray(self)[index]

    def reshape(self, *shape):
        import numpy as np

        return np.asarray(self).reshape(*shape)
