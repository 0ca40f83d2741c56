"""Keras layers -> the neutral vocabulary (kind and attrs as the description engine and the spec
diff understand them), with Keras's defaults made explicit. One translator per layer class."""

from ...frameworks import keras as facts

TRANSLATORS = {}
SHAPING = {"conv2d", "pool2d", "dense", "concat"}  # kinds whose output shape the structure check follows


def translator(*classes):
    def register(fn):
        for name in classes:
            TRANSLATORS[name] = fn
        return fn
    return register


def neutral(layer):
    """(kind, attrs, defaults) for a Keras layer; unknown classes keep their class name as kind."""
    fn = TRANSLATORS.get(layer.__class__.__name__)
    cfg = {**layer.get_config(), "_class": layer.__class__.__name__}
    if fn is None:
        return layer.__class__.__name__, {}, {}
    return fn(cfg)


def _activation(cfg):
    act = cfg.get("activation", "linear")
    return act if isinstance(act, str) else getattr(act, "__name__", str(act))


def _initializer(cfg, key):
    init = cfg.get(key)
    if isinstance(init, dict):
        return {"type": init.get("class_name", "?"), **{k: v for k, v in (init.get("config") or {}).items()
                                                     if v is not None and k != "seed"}}
    return {"type": str(init)}


@translator("InputLayer")
def input_layer(cfg):
    return "input", {"shape": tuple(cfg.get("batch_shape") or (None,))[1:]}, {}


@translator("Dense")
def dense(cfg):
    attrs = {"num_output": cfg["units"], "bias_term": cfg["use_bias"], "activation": _activation(cfg),
             "flatten_order": "h,w,c", "kernel_filler": _initializer(cfg, "kernel_initializer"),
             "bias_filler": _initializer(cfg, "bias_initializer")}
    return "dense", attrs, {}


@translator("Conv2D")
def conv2d(cfg):
    attrs = {"num_output": cfg["filters"], "kernel": tuple(cfg["kernel_size"]), "stride": tuple(cfg["strides"]),
             "pad": cfg["padding"], "dilation": tuple(cfg["dilation_rate"]), "group": cfg.get("groups", 1),
             "bias_term": cfg["use_bias"], "activation": _activation(cfg),
             "kernel_filler": _initializer(cfg, "kernel_initializer"),
             "bias_filler": _initializer(cfg, "bias_initializer"),
             "data_format": cfg.get("data_format") or "channels_last"}
    defaults = {"pad_rule": facts.SAME_PADDING.source} if cfg["padding"] == "same" else {}
    if cfg["padding"] == "same":
        attrs["pad_rule"] = facts.SAME_PADDING.value
    return "conv2d", attrs, defaults


@translator("MaxPooling2D", "AveragePooling2D")
def pool2d(cfg):
    kernel, stride = tuple(cfg["pool_size"]), tuple(cfg["strides"] or cfg["pool_size"])
    attrs = {"method": "MAX" if cfg["_class"].startswith("Max") else "AVE",
             "kernel": kernel, "stride": stride, "pad": cfg["padding"], "round_mode": "FLOOR",
             "data_format": cfg.get("data_format") or "channels_last"}
    defaults = {}
    if stride == kernel:
        defaults["stride"] = facts.POOL_STRIDE_DEFAULT.source
    return "pool2d", attrs, defaults


@translator("Flatten")
def flatten(cfg):
    fmt = cfg.get("data_format") or "channels_last"
    if fmt == "channels_first":  # flatten.py:46-48 moves axis 1 last: an h,w,c map flattens in w,c,h order
        return "flatten", {"order": "w,c,h", "data_format": fmt}, {}
    return "flatten", {"order": facts.FLATTEN_ORDER.value, "data_format": fmt}, {"order": facts.FLATTEN_ORDER.source}


@translator("Dropout")
def dropout(cfg):
    return "dropout", {"ratio": cfg["rate"], "active": False}, {}


@translator("Activation")
def activation(cfg):
    return _activation(cfg), {}, {}


@translator("ReLU")
def relu(cfg):
    return "relu", {"negative_slope": cfg.get("negative_slope", 0.0) or 0.0, "max_value": cfg.get("max_value"),
                    "threshold": cfg.get("threshold", 0.0) or 0.0}, {}


@translator("LeakyReLU")
def leaky_relu(cfg):
    return "relu", {"negative_slope": cfg.get("negative_slope", cfg.get("alpha", 0.3))}, {}


@translator("Softmax")
def softmax(cfg):
    return "softmax", {"axis": cfg.get("axis", -1)}, {}


@translator("BatchNormalization")
def batchnorm(cfg):
    # Keras's momentum is the weight of the old statistic, as Caffe's moving_average_fraction is
    attrs = {"eps": cfg["epsilon"], "momentum": cfg["momentum"], "axis": cfg.get("axis", -1),
             "center": cfg.get("center", True), "scale": cfg.get("scale", True),
             "use_global_stats": not cfg.get("trainable", True), "moving_average_fraction": cfg["momentum"],
             "variance": "biased (tf.nn.moments)", "renorm": bool(cfg.get("renorm", False)),
             "gamma_filler": _initializer(cfg, "gamma_initializer"),
             "beta_filler": _initializer(cfg, "beta_initializer"),
             "mean_filler": _initializer(cfg, "moving_mean_initializer"),
             "variance_filler": _initializer(cfg, "moving_variance_initializer")}
    defaults = {k: facts.BATCHNORM_DEFAULTS.source for k, key in (("momentum", "momentum"), ("eps", "epsilon"))
                if cfg[key] == facts.BATCHNORM_DEFAULTS.value[key]}
    defaults["use_global_stats"] = facts.BATCHNORM_TRAINING.source
    return "batchnorm", attrs, defaults


@translator("Add")
def add(cfg):
    return "eltwise", {"operation": "SUM", "coeff": []}, {}


@translator("Concatenate")
def concatenate(cfg):
    return "concat", {"axis": cfg.get("axis", -1)}, {}
