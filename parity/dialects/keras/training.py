"""A compiled Keras model's training, made explicit for the description: the optimizer with every
constant (Keras's defaults marked with their source lines) and the loss as a layer of the graph."""

import numpy as np

from ...description import Layer, Optimizer
from ...frameworks import keras as facts

LOSS_CLASSES = {"CategoricalCrossentropy": "categorical_crossentropy",
                "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy",
                "MeanSquaredError": "mean_squared_error", "BinaryCrossentropy": "binary_crossentropy"}
LOSS_ALIASES = {"mse": "mean_squared_error", "MSE": "mean_squared_error", **LOSS_CLASSES,
                **{v: v for v in LOSS_CLASSES.values()}}
CROSS_ENTROPIES = {"categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy"}
# losses.py signatures: categorical_crossentropy(…, from_logits=False, label_smoothing=0.0, axis=-1), …
LOSS_DEFAULTS = {"from_logits": False, "label_smoothing": 0.0, "axis": -1, "ignore_class": None}
LOSS_LABEL_BLOB = "labels"


def optimizer_of(optimizer, model=None):
    cls = optimizer.__class__.__name__
    cfg = optimizer.get_config()
    own = facts.OPTIMIZER_DEFAULTS.get(cls)
    base = facts.BASE_OPTIMIZER_DEFAULTS
    order = ["learning_rate", *(own.value if own else {}), *base.value]
    keys = [k for k in order if k in cfg] + [k for k in cfg if k not in order and k != "name"]
    hyper, defaults, schedule = {}, {}, {}
    for key in dict.fromkeys(keys):
        value = _constant(cfg[key])
        hyper[key] = value
        for table in (own, base):
            if table is not None and key in table.value and _same(value, table.value[key]):
                defaults[key] = table.source
                break
    if isinstance(hyper.get("learning_rate"), dict):
        lr = hyper["learning_rate"]
        schedule = {"class_name": lr.get("class_name"), **(lr.get("config") or {})}
    excluded = _weight_decay_excluded(optimizer, model) if model is not None else []
    if excluded:
        hyper["weight_decay_exclude"] = excluded
    rule = facts.OPTIMIZER_RULES[cls].value if cls in facts.OPTIMIZER_RULES else ""
    if hyper.get("weight_decay") is not None:
        rule += "; " + facts.WEIGHT_DECAY_RULE.value
    if any(hyper.get(k) for k in ("clipnorm", "clipvalue", "global_clipnorm")):
        rule += "; " + facts.APPLY_ORDER.value
    return Optimizer(f"keras.{cls}", hyper, rule, defaults, schedule)


def _constant(value):
    """Config values as written: a float learning rate is stored in float32 (0.01 → 0.0099999998),
    shown here as the shortest decimal that is the same float32; None entries of a schedule dropped."""
    if isinstance(value, float):
        return float(str(np.float32(value))) if float(np.float32(value)) == value else value
    if isinstance(value, dict):
        return {k: _constant(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_constant(v) for v in value]
    return value


def _same(a, b):
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a is b or a == b and type(a) is type(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(np.float32(a)) == float(np.float32(b))
    return False


def _weight_decay_excluded(optimizer, model):
    """Variables exclude_from_weight_decay() took out, as layer/role."""
    if not (getattr(optimizer, "_exclude_from_weight_decay", None)
            or getattr(optimizer, "_exclude_from_weight_decay_pattern", None)):
        return []
    from ...frameworks.keras_tensors import ROLES, leaf_layers

    return [f"{layer.name}/{ROLES.get(v.name, v.name)}" for layer in leaf_layers(model)
            for v in layer.trainable_weights if not optimizer._use_weight_decay(v)]


def loss_spec(model):
    """(canonical name, attrs as written, defaults) of the compiled loss."""
    loss = getattr(model, "loss", None)
    defaults = {}
    if isinstance(loss, str):
        name, written = LOSS_ALIASES.get(loss, loss), {}
    elif hasattr(loss, "get_config") and type(loss).__name__ in LOSS_CLASSES:
        name = LOSS_CLASSES[type(loss).__name__]
        written = {k: v for k, v in loss.get_config().items() if k not in ("name", "dtype")}
    elif hasattr(loss, "get_config") and hasattr(loss, "fn"):  # LossFunctionWrapper(fn, **kwargs)
        name = LOSS_ALIASES.get(loss.fn.__name__, loss.fn.__name__)
        written = dict(getattr(loss, "_fn_kwargs", {}))
    else:
        name = getattr(loss, "__name__", type(loss).__name__)
        name, written = LOSS_ALIASES.get(name, name), {}
    attrs = {}
    for key, value in LOSS_DEFAULTS.items():
        if key == "label_smoothing" and name not in ("categorical_crossentropy", "binary_crossentropy"):
            continue
        if key == "ignore_class" and name != "sparse_categorical_crossentropy":
            continue
        if key in ("from_logits", "axis") and name not in CROSS_ENTROPIES:
            continue
        attrs[key] = written.get(key, value)
        if key not in written:
            defaults[key] = facts.LOSS_SIGNATURES.get(name, facts.FROM_LOGITS_DEFAULT.source)
    attrs["reduction"] = written.get("reduction", facts.LOSS_REDUCTION.value)
    if "reduction" not in written:
        defaults["reduction"] = facts.LOSS_REDUCTION.source
    return name, attrs, defaults


def loss_layer(model, layers, final_blob):
    """The compiled loss as the graph's last layer, reading the prediction (or, where Keras does, the
    logits a softmax/sigmoid activation left on it) and the labels."""
    name, attrs, defaults = loss_spec(model)
    attrs = {"loss": name, **attrs, "epsilon": facts.EPSILON.value, "loss_weight": _loss_weight(model),
             "uses_logits": bool(attrs.get("from_logits"))}
    defaults = {**defaults, "epsilon": facts.EPSILON.source}
    pred = final_blob
    if name in CROSS_ENTROPIES:
        source = _logits_source(layers, final_blob)
        if source is not None:
            pred = source
            attrs["uses_logits"] = True
            defaults["uses_logits"] = facts.LOGITS_FROM_ACTIVATION.source
    return Layer("loss", "keras_loss", attrs, defaults=defaults, inputs=[pred, LOSS_LABEL_BLOB], outputs=["loss"])


def _logits_source(layers, blob):
    """The blob of logits Keras's cross-entropy will use instead of `blob`, or None.

    A softmax or sigmoid activation leaves `_keras_logits` on its output (backend/tensorflow/nn.py:44,172)
    and the tensor reaches the loss unchanged through a Dropout that is off (parity trains with dropout off)."""
    writers = {b: layer for layer in layers for b in layer.outputs}
    layer = writers.get(blob)
    while layer is not None and layer.kind == "dropout":
        layer = writers.get(layer.inputs[0])
    if layer is None:
        return None
    if layer.kind in ("softmax", "sigmoid"):
        return layer.inputs[0]
    if layer.kind in ("dense", "conv2d") and layer.attrs.get("activation") in ("softmax", "sigmoid"):
        logits = f"{layer.name}:logits"
        if logits not in layer.outputs:
            layer.outputs.append(logits)  # the op writes its pre-activation too
        return logits
    return None


def _loss_weight(model):
    """compile(loss_weights=w) for the one output (trainers/compile_utils.py:303-307 multiplies by it)."""
    weights = getattr(getattr(model, "_compile_loss", None), "_user_loss_weights", None)
    if isinstance(weights, (list, tuple)) and len(weights) == 1:
        weights = weights[0]
    return float(weights) if isinstance(weights, (int, float)) else 1.0
