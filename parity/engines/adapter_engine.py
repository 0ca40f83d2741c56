"""The user's Python adapter (a hand-written NumPy/JAX/... net) driven through the contract's protocol."""

import numpy as np

from ..errors import SpecError
from ..frameworks.adapter import adapter_tensors, call, read_params
from .base import Engine, Evaluation
from .factory import register


class AdapterEngine(Engine):
    def __init__(self, obj, label, source, x_dtype):
        self.obj, self.label, self.source, self.x_dtype = obj, label, source, x_dtype
        params = self._params(self._call("get_params"), "get_params()")
        self.keys = list(params)
        self.input_shape = tuple(int(s) for s in obj.input_shape)
        self.tensors = adapter_tensors(obj, params, source)
        first = next(iter(params.values()), np.zeros(0))
        self.param_dtypes = {k: v.dtype for k, v in params.items()}
        self.dtype = "float64" if first.dtype == np.float64 else "float32"
        self.has_grads = callable(getattr(obj, "grads", None))
        self._batch = None

    def _call(self, name, *args):
        return call(self.obj, name, self.source, *args)

    def _params(self, value, what):
        return read_params(value, what, self.source)

    def _checked_like(self, value, what):
        arrays = self._params(value, what)
        for t in self.tensors:
            if t.key not in arrays:
                raise SpecError(f"the adapter's {what} has no entry {t.key!r}.", path=self.source)
            if tuple(arrays[t.key].shape) != tuple(t.shape):
                raise SpecError(f"the adapter's {what}[{t.key!r}] has shape {tuple(arrays[t.key].shape)}; "
                                f"expected {tuple(t.shape)} as get_params() gives it.", path=self.source)
        return arrays

    def get_weights(self):
        params = self._checked_like(self._call("get_params"), "get_params()")
        return {k: np.array(v, copy=True) for k, v in params.items()}

    def set_weights(self, weights):
        self._call("set_params", {k: np.array(v, dtype=self.param_dtypes[k]) for k, v in weights.items()})

    def evaluate(self, x, y):
        x = x.astype(self.x_dtype)
        self._batch = (x, y)
        loss = self._loss(x, y)
        grads = None
        if self.has_grads:
            grads = {k: np.asarray(v, dtype=np.float64)
                     for k, v in self._checked_like(self._call("grads", x, y), "grads(x, y)").items()}
        return Evaluation(loss_total=loss, loss_data=None, loss_reg=None, grads_total=grads,
                          grads_data=None, grads_reg=None, activations=None)

    def evaluate_loss(self, x, y):
        return self._loss(x.astype(self.x_dtype), y)

    def _loss(self, x, y):
        value = self._call("loss", x, y)
        try:
            return float(np.asarray(value).reshape(()))
        except (TypeError, ValueError):
            raise SpecError(f"the adapter's loss(x, y) must return one number; received {type(value).__name__} "
                            f"{np.shape(value)}.", path=self.source) from None

    def update(self, lr):
        x, y = self._batch
        self._call("step", x, y, lr)



@register("adapter")
def _from_side(side, label, dtype, device=None, sgd_lr=None, lr=None):
    """The user's adapter: it applies its own rule at the rate each update is given (lr and sgd_lr unused)."""
    return AdapterEngine(side.handle.instance(), label, side.path, x_dtype=dtype)
