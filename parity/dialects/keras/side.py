"""A compiled Keras model as one side of a check."""

import sys

from ...errors import SpecError
from ...frameworks.keras_tensors import initial_weights
from ..side import Side
from .description import describe


class KerasModel:
    """The Keras engine's handle on a side: the model as loaded, and `rebuild(dtype)` for a fresh,
    compiled copy computing in `dtype`. The first engine at the model's own dtype gets the model itself."""

    def __init__(self, path, model, rebuild):
        self.path, self.model, self.rebuild = path, model, rebuild
        self._first = model
        # the description engine (ablation, .toml) starts from the model's own weights, taken before any
        # engine has trained the model
        self.initial = initial_weights(model)

    def fresh(self, dtype):
        first, self._first = self._first, None
        m = first if first is not None and model_dtype(first) == dtype else self.rebuild(dtype)
        if model_dtype(m) != dtype:
            raise SpecError(f"cannot run this model in {dtype}: its layers fix their dtype to {model_dtype(m)}.",
                            path=self.path)
        return m


def keras_side(path, model, rebuild, notes=(), preprocess=None):
    """`rebuild(dtype)` makes a fresh, compiled copy of the model computing in `dtype`."""
    if getattr(model, "optimizer", None) is None or getattr(model, "loss", None) is None:
        raise SpecError("returns a keras.Model that is not compiled; call model.compile(optimizer=..., "
                        "loss=...) so parity trains it with its own optimizer and loss.", path=path)
    try:
        input_shape = tuple(model.input_shape[1:])
    except (AttributeError, ValueError):
        raise SpecError("the model has no single known input shape; give it a keras.Input.", path=path) from None
    if any(d is None for d in input_shape):
        raise SpecError(f"the model's input shape {input_shape} has unknown dimensions.", path=path)
    outputs = model.output_shape[-1] if hasattr(model, "output_shape") else None
    desc = describe(model, path, notes)
    return Side(str(path), "keras", desc, input_shape, int(outputs) if outputs else None, "keras", preprocess,
                notes=list(notes), handle=KerasModel(path, model, rebuild))


def fresh_keras_names():
    """Keras numbers layer names per process (dense, dense_1, ...): reset them so each spec's layers
    are named as they are when that spec is built alone. Built models keep working."""
    keras = sys.modules.get("keras")
    if keras is None:
        return
    tf = sys.modules.get("tensorflow")
    if tf is not None and tf.distribute.has_strategy():
        # Building a replicated side inside tf.distribute's scope: clear_session would also reset TF's default
        # graph, which holds the scope (keras/src/backend/common/global_state.py:82), and the variables would
        # no longer be mirrored. Reset only Keras's per-process names (the state clear_session drops first).
        import threading

        from keras.src.backend.common import global_state

        global_state.GLOBAL_STATE_TRACKER = threading.local()
        return
    keras.backend.clear_session(free_memory=False)


def model_dtype(model):
    dtype = model.dtype
    return dtype if isinstance(dtype, str) else getattr(dtype, "name", str(dtype))
