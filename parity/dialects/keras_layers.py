"""Keras layers -> the neutral vocabulary (kind and attrs as the description engine and the spec
diff understand them), with Keras's defaults made explicit. One translator per layer class."""

from ..frameworks import keras as facts

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
             "bias_filler": _initializer(cfg, "bias_initializer")}
    return "conv2d", attrs, {}


@translator("MaxPooling2D", "AveragePooling2D")
def pool2d(cfg):
    kernel, stride = tuple(cfg["pool_size"]), tuple(cfg["strides"] or cfg["pool_size"])
    attrs = {"method": "MAX" if cfg["_class"].startswith("Max") else "AVE",
             "kernel": kernel, "stride": stride, "pad": cfg["padding"], "round_mode": "FLOOR"}
    defaults = {}
    if stride == kernel:
        defaults["stride"] = facts.POOL_STRIDE_DEFAULT.source
    return "pool2d", attrs, defaults


@translator("Flatten")
def flatten(cfg):
    return "flatten", {"order": facts.FLATTEN_ORDER.value}, {"order": facts.FLATTEN_ORDER.source}


@translator("Dropout")
def dropout(cfg):
    return "dropout", {"ratio": cfg["rate"], "active": False}, {}


@translator("Activation")
def activation(cfg):
    return _activation(cfg), {}, {}


@translator("ReLU")
def relu(cfg):
    return "relu", {"negative_slope": cfg.get("negative_slope", 0.0) or 0.0}, {}


@translator("LeakyReLU")
def leaky_relu(cfg):
    return "relu", {"negative_slope": cfg.get("negative_slope", cfg.get("alpha", 0.3))}, {}


@translator("Softmax")
def softmax(cfg):
    return "softmax", {"axis": cfg.get("axis", -1)}, {}


@translator("BatchNormalization")
def batchnorm(cfg):
    return "batchnorm", {"eps": cfg["epsilon"], "momentum": cfg["momentum"]}, {}
