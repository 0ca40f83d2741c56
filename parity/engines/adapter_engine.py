"""The user's Python adapter (a hand-written NumPy/JAX/... net) driven through the contract's protocol."""

import numpy as np

from ..errors import SpecError
from ..weights import Tensor, infer_layouts
from .base import Engine, Evaluation

REQUIRED = ("input_shape", "get_params", "set_params", "loss", "step")


def missing_methods(obj):
    return [name for name in REQUIRED if not hasattr(obj, name)]


class AdapterEngine(Engine):
    def __init__(self, obj, label, source, x_dtype):
        self.obj, self.label, self.source, self.x_dtype = obj, label, source, x_dtype
        params = self._params(self._call("get_params"), "get_params()")
        self.keys = list(params)
        self.input_shape = tuple(int(s) for s in obj.input_shape)
        declared = dict(getattr(obj, "layouts", None) or {})
        unknown = sorted(set(declared) - set(params))
        if unknown:
            raise SpecError(f"layouts names {unknown}, which get_params() does not return "
                            f"(it returns {self.keys}).", path=source)
        layouts = infer_layouts({k: v.shape for k, v in params.items()}, int(np.prod(self.input_shape)),
                                declared, owner=source)
        self.tensors = _group(params, layouts)
        first = next(iter(params.values()), np.zeros(0))
        self.param_dtypes = {k: v.dtype for k, v in params.items()}
        self.dtype = "float64" if first.dtype == np.float64 else "float32"
        self.has_grads = callable(getattr(obj, "grads", None))
        self._batch = None

    def _call(self, name, *args):
        try:
            return getattr(self.obj, name)(*args)
        except Exception as err:
            raise SpecError(f"the adapter's {name}() raised {type(err).__name__}: {err}", path=self.source) from None

    def _params(self, value, what):
        if not isinstance(value, dict) or not value:
            raise SpecError(f"the adapter's {what} must return a non-empty dict of name -> array; "
                            f"received {type(value).__name__}.", path=self.source)
        out = {}
        for key, arr in value.items():
            arr = np.asarray(arr)
            if not np.issubdtype(arr.dtype, np.floating):
                raise SpecError(f"the adapter's {what}[{key!r}] must be a float array; received dtype {arr.dtype}.",
                                path=self.source)
            out[str(key)] = arr
        return out

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


def _group(params, layouts):
    """Each array of 2+ dims is a kernel naming a layer; the 1-D array after it is its bias."""
    tensors, layer, has_bias = [], None, True
    for key, arr in params.items():
        if arr.ndim >= 2:
            layer, has_bias, role = key, False, "kernel"
        elif layer is not None and not has_bias:
            has_bias, role = True, "bias"
        else:
            layer, has_bias, role = key, True, "bias"
        tensors.append(Tensor(layer, key, role, tuple(arr.shape), layouts[key], by_key=True))
    return tensors
