"""A simplenn `net` (what an init file returns) -> neutral layers, as vl_simplenn_tidy, vl_simplenn
and cnn_train read it: every value MatConvNet fills in is made explicit and marked in
`layer.defaults` with its source (parity.frameworks.matconvnet).

Activations are H×W×C per sample (the engine runs N×H×W×C, MatConvNet's H×W×C×N with the batch
axis moved first); filters keep MatConvNet's H×W×(C/G)×K, biases are (K,).
"""

import numpy as np

from ...description import Layer, Param
from ...errors import SpecError
from ...frameworks import matconvnet as facts
from .mlang.mvalues import ArraySpec, MCell, MStruct

DATA_BLOB, LABEL_BLOB = "input", "label"
COMMON_FIELDS = {"name", "type", "weights", "learningRate", "weightDecay", "precious", "filters", "biases"}
FIELDS = {"conv": {"pad", "stride", "dilate", "opts"}, "pool": {"pool", "method", "pad", "stride", "opts"},
          "relu": {"leak"}, "dropout": {"rate"}, "bnorm": {"epsilon"}, "normalize": {"param"}, "lrn": {"param"},
          "softmaxloss": {"class"}, "loss": {"class", "loss"}, "sigmoid": set(), "softmax": set()}


class _Ctx:
    def __init__(self, path, locate):
        self.path, self.locate, self.notes, self.name = path, locate, [], ""

    def error(self, raw, message):
        return SpecError(message, path=self.path, line=self.locate(raw))


def translate(net, path, input_shape, locate=lambda raw: None):
    """(layers, notes) for the simplenn `net` on per-sample input `input_shape` (H, W, C)."""
    ctx = _Ctx(path, locate)
    raws = net.get("layers") if isinstance(net, MStruct) else None
    if not isinstance(raws, MCell) or not raws:
        raise SpecError("the init function does not return a simplenn net: expected a struct whose field "
                        "'layers' is a non-empty cell of layer structs.", path=path)
    shape, layers, names = tuple(input_shape), [], set()
    blob = DATA_BLOB
    for index, raw in enumerate(raws, start=1):
        if not isinstance(raw, MStruct) or not isinstance(raw.get("type"), str):
            raise ctx.error(raw, f"net.layers{{{index}}} is not a struct with a 'type' string.")
        kind = raw["type"]
        if kind not in facts.SUPPORTED_TYPES:
            raise ctx.error(raw, f"net.layers{{{index}}} has type '{kind}', which parity does not emulate "
                                 f"(it emulates: {', '.join(facts.SUPPORTED_TYPES)}).")
        ctx.name = raw["name"] if isinstance(raw.get("name"), str) else f"layer{index}"
        layer = _TRANSLATE[kind](raw, shape, ctx)
        layer.name = ctx.name
        if "name" not in raw:
            layer.defaults["name"] = facts.LAYER_NAME_DEFAULT.source
        if layer.name in names:
            raise ctx.error(raw, f"two layers are named '{layer.name}'; parity keys parameters by layer name.")
        names.add(layer.name)
        layer.attrs["matconvnet_type"] = kind
        unknown = sorted(set(raw) - COMMON_FIELDS - FIELDS[kind])
        if unknown:
            ctx.notes.append(f"layer '{layer.name}': field(s) {', '.join(unknown)} are not read by vl_simplenn or "
                             f"cnn_train for a '{kind}' layer")
        is_loss = kind in ("softmaxloss", "loss")
        if is_loss and index != len(raws):
            raise ctx.error(raw, f"the loss layer '{layer.name}' must be the last layer: cnn_train gives the labels to "
                                 f"net.layers{{end}} ({facts.LOSS_IS_LAST_LAYER.source}).")
        if index == len(raws) and not is_loss:
            raise ctx.error(raw, f"the last layer ('{layer.name}', {kind}) is not a loss: cnn_train trains on "
                                 "net.layers{end}'s output; end the net with 'softmaxloss' or 'loss'.")
        layer.inputs = [blob, LABEL_BLOB] if is_loss else [blob]
        layer.outputs = [layer.name if layer.name not in (DATA_BLOB, LABEL_BLOB) else f"{layer.name}:out"]
        blob = layer.outputs[0]
        if layer.params:
            _multipliers(raw, layer, max(len(_weights(raw, ctx)), 3 if kind == "bnorm" else 0), ctx)
        if layer.output_shape is None:
            layer.output_shape = shape
        shape = layer.output_shape
        layers.append(layer)
    return layers, ctx.notes


# Values --------------------------------------------------------------------------------------

def _numbers(raw, key, ctx, default=None, counts=None):
    """A numeric field as a list of floats; `default` when absent; MATLAB's error for a bad length."""
    if key not in raw:
        return default
    value = raw[key]
    if isinstance(value, (bool, int, float, np.floating, np.integer)):
        out = [float(value)]
    elif isinstance(value, np.ndarray) and value.dtype != object:
        out = [float(v) for v in value.reshape(-1, order="F")]
    else:
        raise ctx.error(raw, f"field '{key}' must be numeric; found {type(value).__name__}.")
    if counts and len(out) not in counts:
        raise ctx.error(raw, f"field '{key}' has {len(out)} elements; MatConvNet takes "
                             f"{' or '.join(str(c) for c in counts)}.")
    return out


def _pair(values):
    return (int(values[0]), int(values[-1]))


def _pad4(values):
    """vl_nnconv/vl_nnpool: one number for all sides, or [top bottom left right]."""
    return tuple(int(v) for v in values) if len(values) == 4 else (int(values[0]),) * 4


def _shown_pad(pad4):
    """Symmetric pads as (h, w) like the other dialects; asymmetric ones as (top, bottom, left, right)."""
    t, b, left, r = pad4
    return (t, left) if t == b and left == r else pad4


def _weights(raw, ctx):
    w = raw.get("weights")
    if w is None and ("filters" in raw or "biases" in raw):  # vl_simplenn_tidy.m:60-65 upgrades the old fields
        w = MCell([raw.get("filters"), raw.get("biases")])
    if w is None:
        return []
    if not isinstance(w, MCell):
        raise ctx.error(raw, "field 'weights' must be a cell, e.g. {{f*randn(5,5,1,20,'single'), "
                             "zeros(1,20,'single')}}.")
    return list(w)


def _shape(value):
    if isinstance(value, ArraySpec):
        return tuple(value.shape)
    if isinstance(value, np.ndarray):
        return tuple(value.shape)
    return (1, 1)


def _is_empty(value):
    return value is None or (isinstance(value, np.ndarray) and value.size == 0)


def _filler(value, raw, ctx, what):
    """How MatConvNet would make this array; parity draws it with its own seed (--weights a|b)."""
    if isinstance(value, ArraySpec):
        lo, hi = sorted((value.shift, value.shift + value.scale))
        if value.init == "randn":
            return {"type": "gaussian", "mean": float(value.shift), "std": abs(float(value.scale))}
        return {"type": "uniform", "min": float(lo), "max": float(hi)}
    array = np.asarray(value, dtype=np.float64)
    if array.size and np.all(array == array.flat[0]):
        return {"type": "constant", "value": float(array.flat[0])}
    raise ctx.error(raw, f"{what} holds explicit non-constant values; parity emulates randn/rand/zeros/ones "
                         "initialisers only.")


def _multipliers(raw, layer, count, ctx):
    """cnn_train's per-array learningRate(j)/weightDecay(j), ones(1, J) where absent (J counted after tidy).

    A layer's params are its weights{1..} in order (a conv without bias has only weights{1}), so the
    param index is j - 1."""
    lr = _numbers(raw, "learningRate", ctx)
    wd = _numbers(raw, "weightDecay", ctx)
    if lr is None:
        lr, layer.defaults["learningRate"] = [1.0] * count, facts.LAYER_LR_DEFAULT.source
    if wd is None:
        wd, layer.defaults["weightDecay"] = [1.0] * count, facts.LAYER_DECAY_DEFAULT.source
    moments = layer.kind == "batchnorm"
    for j, p in enumerate(layer.params):
        if moments and p.role == "moments":
            continue
        if j >= len(lr) or j >= len(wd):
            raise ctx.error(raw, f"layer '{layer.name}' has {count} weight arrays but learningRate {lr} / weightDecay "
                                 f"{wd}: cnn_train indexes both up to {count} and MATLAB stops with an index error.")
        p.lr_mult, p.decay_mult = lr[j], wd[j]
    if moments:
        if len(lr) < 3:
            raise ctx.error(raw, f"bnorm '{layer.name}': learningRate needs a third entry, the moments' rate "
                                 f"({facts.BNORM_MOMENTS_RULE[facts.BETA25].source}).")
        layer.attrs["moments_rate"] = lr[2]
    layer.attrs["learningRate"], layer.attrs["weightDecay"] = lr, wd


# Layers --------------------------------------------------------------------------------------

def _conv(raw, shape, ctx):
    h, w, c = shape
    weights = _weights(raw, ctx)
    if not weights or _is_empty(weights[0]):
        raise ctx.error(raw, "a conv layer needs filters in weights{1}.")
    fshape = (_shape(weights[0]) + (1, 1))[:4]
    fh, fw, depth, k = fshape
    pad = _pad4(_numbers(raw, "pad", ctx, [0.0], (1, 4)))
    stride = _pair(_numbers(raw, "stride", ctx, [1.0], (1, 2)))
    dilate = _pair(_numbers(raw, "dilate", ctx, [1.0], (1, 2)))
    if c % depth or k % (c // depth):
        raise ctx.error(raw, f"conv filters of depth {depth} ({k} of them) on {c} input channels: vl_nnconv stops "
                             f"here ({facts.CONV_GROUPS_CHECKS.source}).")
    groups = c // depth
    ext = ((fh - 1) * dilate[0] + 1, (fw - 1) * dilate[1] + 1)
    hp, wp = h + pad[0] + pad[1], w + pad[2] + pad[3]
    if hp < ext[0] or wp < ext[1]:
        raise ctx.error(raw, f"conv filters {fh}×{fw} are larger than the {h}×{w} input with padding "
                             f"({facts.CONV_TOO_LARGE.source}).")
    out = ((hp - ext[0]) // stride[0] + 1, (wp - ext[1]) // stride[1] + 1, k)
    has_bias = len(weights) > 1 and not _is_empty(weights[1])
    if has_bias and int(np.prod(_shape(weights[1]))) != k:
        raise ctx.error(raw, f"conv biases have {int(np.prod(_shape(weights[1])))} elements for {k} filters.")
    fc = out[:2] == (1, 1) and stride == (1, 1) and pad == (0,) * 4 and dilate == (1, 1) and groups == 1
    layer = Layer("", "conv2d", {"num_output": k, "kernel": (fh, fw), "stride": stride, "pad": _shown_pad(pad),
                                 "dilation": dilate, "group": groups, "bias_term": has_bias, "fully_connected": fc,
                                 "round_mode": "FLOOR"}, output_shape=out)
    layer.defaults["group"] = facts.CONV_GROUPS.source
    layer.defaults["round_mode"] = facts.CONV_OUTPUT.source
    for key, attr in (("pad", "pad"), ("stride", "stride"), ("dilate", "dilation")):
        if key not in raw:
            layer.defaults[attr] = facts.CONV_DEFAULTS.source
    if groups > 1:
        ctx.notes.append(f"conv '{ctx.name}': filters of depth {depth} on {c} input channels — MatConvNet infers "
                         f"{groups} groups of {k // groups} filters and does not reject the mismatch "
                         f"({facts.CONV_GROUPS.source})")
    layer.params.append(Param("kernel", fshape, "h,w,in,out", filler=_filler(weights[0], raw, ctx, "weights{1}")))
    if has_bias:
        layer.params.append(Param("bias", (k,), "", filler=_filler(weights[1], raw, ctx, "weights{2}")))
    return layer


def _pool(raw, shape, ctx):
    h, w, c = shape
    size = _numbers(raw, "pool", ctx, None, (1, 2))
    if size is None:
        raise ctx.error(raw, "a pool layer needs its window size in field 'pool'.")
    kernel = _pair(size)
    method = raw.get("method")
    if not isinstance(method, str) or method.lower() not in ("max", "avg"):
        raise ctx.error(raw, "a pool layer needs 'method', 'max' or 'avg': "
                             f"{facts.POOL_METHOD_REQUIRED.value} ({facts.POOL_METHOD_REQUIRED.source}).")
    pad = _pad4(_numbers(raw, "pad", ctx, [0.0], (1, 4)))
    stride = _pair(_numbers(raw, "stride", ctx, [1.0], (1, 2)))
    if max(pad[0], pad[1]) >= kernel[0] or max(pad[2], pad[3]) >= kernel[1]:
        raise ctx.error(raw, f"pool pad {pad} is not smaller than the {kernel} window ({facts.POOL_PAD_LIMIT.source}).")
    hp, wp = h + pad[0] + pad[1], w + pad[2] + pad[3]
    if hp < kernel[0] or wp < kernel[1]:
        raise ctx.error(raw, f"the pool window {kernel} is larger than the {h}×{w} input with padding.")
    out = ((hp - kernel[0]) // stride[0] + 1, (wp - kernel[1]) // stride[1] + 1, c)
    avg = method.lower() == "avg"
    layer = Layer("", "pool2d", {"method": "AVE" if avg else "MAX", "kernel": kernel, "stride": stride,
                                 "pad": _shown_pad(pad), "round_mode": "FLOOR", "padding_excluded": True},
                  output_shape=out)
    layer.defaults["round_mode"] = facts.POOL_OUTPUT.source
    layer.defaults["padding_excluded"] = facts.POOL_WINDOW_CLIPPED.source
    for key in ("pad", "stride"):
        if key not in raw:
            layer.defaults[key] = facts.POOL_DEFAULTS.source
    if avg and pad[0] + pad[1] > 0 and pad[2] + pad[3] == 0:
        ctx.notes.append(f"pool '{ctx.name}', avg with top/bottom padding only: {facts.POOL_CUDNN_AVG.value}")
    return layer


def _relu(raw, shape, ctx):
    leak = _numbers(raw, "leak", ctx, None, (1,))
    layer = Layer("", "relu", {"negative_slope": 0.0})
    if leak is None:
        layer.defaults["negative_slope"] = facts.RELU_LEAK_DEFAULT.source
    elif leak[0] > 0:
        layer.attrs["negative_slope"] = leak[0]
    else:
        layer.defaults["negative_slope"] = facts.RELU_LEAK_ONLY_POSITIVE.source
        if leak[0] < 0:
            ctx.notes.append(f"relu '{ctx.name}': leak {leak[0]:g} is ignored: {facts.RELU_LEAK_ONLY_POSITIVE.value}")
    return layer


def _dropout(raw, shape, ctx):
    rate = _numbers(raw, "rate", ctx, None, (1,))
    layer = Layer("", "dropout", {"ratio": rate[0] if rate else facts.DROPOUT_RATE_DEFAULT.value, "active": False})
    if rate is None:
        layer.defaults["ratio"] = facts.DROPOUT_RATE_DEFAULT.source
    ctx.notes.append(f"dropout '{ctx.name}' is off in parity (identity): MatConvNet's cnn_train draws a random "
                     f"mask every batch ({facts.DROPOUT_RULE.source}), which no other framework can reproduce")
    return layer


def _bnorm(raw, shape, ctx):
    c = shape[2]
    weights = _weights(raw, ctx)
    if len(weights) < 2 or any(int(np.prod(_shape(v))) != c for v in weights[:2]):
        raise ctx.error(raw, f"bnorm needs weights {{multipliers, biases}} of {c} elements each (the input's "
                             "channels).")
    eps = _numbers(raw, "epsilon", ctx, None, (1,))
    layer = Layer("", "batchnorm", {"eps": eps[0] if eps else facts.BNORM_EPSILON_DEFAULT.value,
                                    "use_global_stats": False, "moments": "[mean, sqrt(biased var + eps)]"},
                  output_shape=tuple(shape))
    if eps is None:
        layer.defaults["eps"] = facts.BNORM_EPSILON_DEFAULT.source
    layer.defaults["use_global_stats"] = facts.BNORM_TRAIN.source
    layer.params += [Param("gamma", (c,), "", filler=_filler(weights[0], raw, ctx, "weights{1}")),
                     Param("beta", (c,), "", filler=_filler(weights[1], raw, ctx, "weights{2}"))]
    moments = {"type": "constant", "value": 0.0} if len(weights) < 3 else _filler(weights[2], raw, ctx, "weights{3}")
    if len(weights) < 3:
        layer.defaults["moments"] = facts.BNORM_MOMENTS_ADDED.source
    layer.params.append(Param("moments", (c, 2), "", trainable=False, filler=moments))
    return layer


def _simple(kind):
    def make(raw, shape, ctx):
        return Layer("", kind, {"axis": -1} if kind == "softmax" else {})
    return make


def _lrn(raw, shape, ctx):
    param = _numbers(raw, "param", ctx, None, (4,))
    values = param or facts.LRN_DEFAULT.value
    layer = Layer("", "lrn", dict(zip(("size", "kappa", "alpha", "beta"), values)))
    layer.attrs["size"] = int(layer.attrs["size"])
    if param is None:
        layer.defaults.update(dict.fromkeys(("size", "kappa", "alpha", "beta"), facts.LRN_DEFAULT.source))
    return layer


def _loss(raw, shape, ctx):
    kind = raw["type"]
    layer = Layer("", "softmax_loss", {"loss_weight": 1.0, "loss": "softmaxlog", "classes": shape[2],
                                       "labels": "1-based in MatConvNet: parity's class c is MatConvNet's c+1"},
                  output_shape=())
    layer.defaults["loss"] = (facts.SIMPLENN_LOSS_NO_OPTIONS.source if kind == "loss"
                              else facts.SOFTMAXLOSS_SUM[facts.BETA25].source)
    if kind == "loss" and raw.get("loss", "softmaxlog") != "softmaxlog":
        ctx.notes.append(f"loss layer '{ctx.name}': 'loss', '{raw['loss']}' is ignored — "
                         f"{facts.SIMPLENN_LOSS_NO_OPTIONS.value}")
    return layer


_TRANSLATE = {"conv": _conv, "pool": _pool, "relu": _relu, "sigmoid": _simple("sigmoid"), "softmax": _simple("softmax"),
              "dropout": _dropout, "bnorm": _bnorm, "normalize": _lrn, "lrn": _lrn, "softmaxloss": _loss, "loss": _loss}
