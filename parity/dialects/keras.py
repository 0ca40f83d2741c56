"""Keras 3 models (built by a .py spec or loaded from .keras/.h5/.json) -> neutral description.

The description carries what the diagnosis needs to name causes and fixes: layers, the
regularisers and their convention, the loss and the optimizer with defaults made explicit.
"""

from ..frameworks import keras as facts
from ..spec import Description, Layer, Loss, Optimizer, Param, Penalty
from ..weights import Tensor
from .keras_layers import neutral

LAYOUTS = {"Dense": {"kernel": facts.DENSE_KERNEL_LAYOUT.value},
           "Conv2D": {"kernel": facts.CONV_KERNEL_LAYOUT.value}}
ROLES = {"kernel": "kernel", "bias": "bias", "gamma": "gamma", "beta": "beta"}


def leaf_layers(model):
    """Layers in forward order, nested models flattened."""
    out = []
    for layer in model.layers:
        if hasattr(layer, "layers") and layer.__class__.__name__ in ("Sequential", "Functional", "Model"):
            out.extend(leaf_layers(layer))
        else:
            out.append(layer)
    return out


def tensors(model):
    """The model's trainable tensors grouped by layer, as parity names and lays them out."""
    result = []
    for layer in leaf_layers(model):
        layouts = LAYOUTS.get(layer.__class__.__name__, {})
        for v in layer.trainable_weights:
            role = ROLES.get(v.name, v.name)
            layout = layouts.get(v.name, "" if len(v.shape) < 2 else None)
            if layout is None:
                layout = ",".join(["h", "w", "in", "out"][-len(v.shape):]) if len(v.shape) in (2, 4) else ""
            result.append(Tensor(layer.name, v.path, role, tuple(v.shape), layout))
    return result


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
    return Penalty("l1l2", l2, f"keras.regularizers.{name}(l1={l1:g}, l2={l2:g})")


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
    return result


def optimizer_of(optimizer):
    cfg = optimizer.get_config()
    kind = optimizer.__class__.__name__
    hyper = {}
    for key in ("learning_rate", "momentum", "nesterov", "rho", "beta_1", "beta_2", "epsilon",
                "weight_decay", "centered", "clipnorm", "clipvalue", "global_clipnorm"):
        if key in cfg and cfg[key] is not None:
            hyper[key] = cfg[key]
    rule = facts.SGD_RULE.value if kind == "SGD" else ""
    result = Optimizer(kind, hyper, rule)
    if kind == "SGD":
        for key, value in facts.SGD_DEFAULTS.value.items():
            if cfg.get(key) == value:
                result.defaults[key] = facts.SGD_DEFAULTS.source
    if hyper.get("weight_decay"):
        result.rule += ("; " if result.rule else "") + facts.WEIGHT_DECAY_RULE.value
    return result


def describe(model, source, notes=()):
    layers = []
    for layer in leaf_layers(model):
        kind, attrs, defaults = neutral(layer)
        layouts = LAYOUTS.get(layer.__class__.__name__, {})
        entry = Layer(layer.name, kind, attrs,
                      [Param(ROLES.get(v.name, v.name), tuple(v.shape), layouts.get(v.name, ""),
                             filler=attrs.get(f"{ROLES.get(v.name, v.name)}_filler"))
                       for v in layer.trainable_weights], defaults=defaults)
        entry.output_shape = _output_shape(layer)
        for attr, role in (("kernel_regularizer", "kernel"), ("bias_regularizer", "bias")):
            p = penalty_of(getattr(layer, attr, None))
            if p is not None:
                entry.penalties[role] = p
        layers.append(entry)
    shape = tuple(model.input_shape[1:]) if hasattr(model, "input_shape") else ()
    return Description(
        dialect="keras", source=str(source), input_shape=shape, layers=layers, loss=loss_of(model),
        optimizer=optimizer_of(model.optimizer) if getattr(model, "optimizer", None) else None,
        notes=list(notes),
    )


def _output_shape(layer):
    try:
        return tuple(int(d) for d in layer.output.shape[1:])
    except (AttributeError, ValueError, TypeError):
        return None
