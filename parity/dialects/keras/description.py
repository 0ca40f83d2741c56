"""Keras 3 models (built by a .py spec or loaded from .keras/.h5/.json) -> neutral description.

The description carries what the diagnosis needs to name causes and fixes: layers, the
regularisers and their convention, the loss and the optimizer with defaults made explicit.
"""

from ...description import Description, InputSpec, Layer, Loss, Param, Penalty
from ...frameworks import keras as facts
from ...frameworks.keras_tensors import LAYOUTS, REGULARIZED, ROLES, leaf_layers
from . import training as keras_training
from .layers import neutral
from .wiring import Unwired, wire


def penalty_of(regularizer):
    if regularizer is None:
        return None
    cfg = regularizer.get_config()
    name = regularizer.__class__.__name__
    l1, l2 = float(cfg.get("l1", 0.0) or 0.0), float(cfg.get("l2", 0.0) or 0.0)
    if l2 and not l1:
        return Penalty("l2", l2, f"keras.regularizers.L2(l2={l2:g})")
    if l1 and not l2:
        return Penalty("l1", l1, f"keras.regularizers.L1(l1={l1:g})")
    if not l1 and not l2:
        return None
    # both coefficients in `written` exactly (repr): the description engine reads l1 back from it
    return Penalty("l1l2", l2, f"keras.regularizers.{name}(l1={l1!r}, l2={l2!r})")


def loss_of(model):
    loss = getattr(model, "loss", None)
    if isinstance(loss, str):
        kind, attrs = loss, {}
    elif loss is None:
        kind, attrs = "none", {}
    elif hasattr(loss, "get_config"):
        cfg = loss.get_config()
        kind = cfg.get("name") or loss.__class__.__name__
        attrs = {k: v for k, v in cfg.items() if k not in ("name", "dtype")}
    else:
        kind, attrs = getattr(loss, "__name__", type(loss).__name__), {}
    aliases = {"mse": "mean_squared_error", "MeanSquaredError": "mean_squared_error"}
    kind = aliases.get(kind, kind)
    result = Loss(kind, attrs)
    if "reduction" not in attrs:
        result.attrs["reduction"] = facts.LOSS_REDUCTION.value
        result.defaults["reduction"] = facts.LOSS_REDUCTION.source
    if loss is not None:  # the rest of the loss function's defaults (from_logits, axis, ...) made explicit
        _, explicit, defaults = keras_training.loss_spec(model)
        for key, value in explicit.items():
            if key not in result.attrs:
                result.attrs[key] = value
                result.defaults[key] = defaults.get(key, "")
    return result


def optimizer_of(optimizer, model=None):
    """keras.<Class> with every constant explicit (keras_training.optimizer_of)."""
    return keras_training.optimizer_of(optimizer, model)


def describe(model, source, notes=()):
    notes = list(notes)
    try:
        data, wiring, final = wire(model)
    except Unwired as why:
        data, wiring, final = "input", {}, None
        notes.append(f"not runnable as a description: {why}")
    layers = []
    for layer in leaf_layers(model):
        kind, attrs, defaults = neutral(layer)
        layouts = LAYOUTS.get(layer.__class__.__name__, {})
        entry = Layer(layer.name, kind, attrs, [_param(v, attrs, layouts) for v in layer.weights], defaults=defaults)
        entry.output_shape = _output_shape(layer)
        for role, attr in REGULARIZED.items():
            p = penalty_of(getattr(layer, attr, None))
            if p is not None:
                entry.penalties[role] = p
        _unemulated(layer, entry)
        entry.inputs, entry.outputs = (list(b) for b in wiring.get(layer.name, ([], [])))
        layers.append(entry)
    if final is not None and getattr(model, "loss", None) is not None:
        layers.append(keras_training.loss_layer(model, layers, final))
    shape = tuple(model.input_shape[1:]) if hasattr(model, "input_shape") else ()
    optimizer = getattr(model, "optimizer", None)
    return Description(
        dialect="keras", source=str(source), input_shape=shape, layers=layers, loss=loss_of(model),
        optimizer=optimizer_of(optimizer, model) if optimizer is not None else None, notes=notes,
        input=InputSpec(blob=data, layout="hwc", label_blob=keras_training.LOSS_LABEL_BLOB),
    )


def _unemulated(layer, entry):
    """What Keras does to a layer beyond the neutral attrs, named so the description engine can refuse it:
    a data-dependent penalty, and constraints applied after each update (base_optimizer.py:527-530)."""
    activity = getattr(layer, "activity_regularizer", None)
    if activity is not None:
        entry.attrs["activity_regularizer"] = type(activity).__name__
    for v in layer.weights:
        if getattr(v, "constraint", None) is not None:
            entry.attrs[f"{ROLES.get(v.name, v.name)}_constraint"] = type(v.constraint).__name__


def _param(variable, attrs, layouts):
    """One of the layer's weights, trainable or not (BatchNormalization's moving statistics are state)."""
    role = ROLES.get(variable.name, variable.name)
    return Param(role, tuple(variable.shape), layouts.get(variable.name, ""), trainable=bool(variable.trainable),
                 filler=attrs.get(f"{role}_filler"))


def _output_shape(layer):
    try:
        return tuple(int(d) for d in layer.output.shape[1:])
    except (AttributeError, ValueError, TypeError):
        return None
