"""A compiled Keras model as one side of a check."""

import numpy as np

from ..errors import SpecError
from . import Side
from .keras import describe


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
    state = {"first": model}

    def make_engine(label, dtype, device=None, sgd_lr=None, lr=None):
        from ..engines.keras_engine import KerasEngine

        first = state.pop("first", None)
        m = first if first is not None and _dtype(first) == dtype else rebuild(dtype)
        if _dtype(m) != dtype:
            raise SpecError(f"cannot run this model in {dtype}: its layers fix their dtype to {_dtype(m)}.",
                            path=path)
        optimizer = m.optimizer
        if sgd_lr is not None:
            import keras

            optimizer = keras.optimizers.SGD(learning_rate=sgd_lr)
        return KerasEngine(m, optimizer, label, device)

    desc = describe(model, path, notes)
    side = Side(str(path), "keras", desc, input_shape, int(outputs) if outputs else None, make_engine,
                preprocess, notes=list(notes))
    side.make_description_engine = description_engine_maker(desc, model)
    side.keras_model = model  # an ablation rebuilds it from its config with one setting changed
    return side


def description_engine_maker(desc, model):
    """(label, dtype, device, sgd_lr, lr) -> an engine that runs the model's description (not Keras) from
    the model's own starting weights: what ablation changes one field of. The weights are taken now,
    before any engine has trained the model."""
    from .keras import leaf_layers

    initial = {f"{layer.name}/{i}": np.array(v.numpy()) for layer in leaf_layers(model)
               for i, v in enumerate(layer.weights)}

    def make_description_engine(label, dtype, device=None, sgd_lr=None, lr=None, description=None):
        """`description`: a changed copy of the side's description to run instead (ablation)."""
        from ..engines.keras_desc_engine import KerasGraphEngine

        return KerasGraphEngine(description or desc, label, dtype, device, sgd_lr=sgd_lr, default_lr=lr,
                                initial=initial)

    return make_description_engine


def _dtype(model):
    dtype = model.dtype
    return dtype if isinstance(dtype, str) else getattr(dtype, "name", str(dtype))
