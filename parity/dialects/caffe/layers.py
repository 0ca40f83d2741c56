"""One translator per Caffe layer type: the layer's settings with caffe.proto's defaults made
explicit, its parameter blobs with Caffe's layouts, and its top shapes (per sample, C×H×W)."""

from ...description import Layer, Param
from ...frameworks import caffe_shapes as shapes
from .translators import INPUTS, settings, translator
from .translators import filler as _filler
from .translators import pair as _pair


def _bottom(lp, ctx, i=0):
    bottoms = lp.get_all("bottom")
    if len(bottoms) <= i:
        raise ctx.error(lp, f"layer {lp.get('name')!r} ({lp.get('type')}) expected {i + 1} bottom blob"
                            f"{'s' if i else ''} to read, found {len(bottoms)}.")
    return ctx.shapes[bottoms[i]]


def _sizes(lp, ctx, rule, hw, *per_axis):
    """(out_h, out_w) by one of Caffe's size rules; an impossible size is an error at the layer."""
    try:
        return tuple(rule(size, *(arg[i] for arg in per_axis)) for i, size in enumerate(hw))
    except ValueError as err:
        raise ctx.error(lp, f"layer {lp.get('name')!r}: {err} (input {hw[0]}×{hw[1]}).") from None


def _tops(lp, ctx, *shape_list):
    bottoms = lp.get_all("bottom")
    for top, shape in zip(lp.get_all("top"), shape_list):
        ctx.shapes[top] = tuple(int(s) for s in shape)
        # an elementwise layer keeps the flatten order of what it reads
        if bottoms and bottoms[0] in ctx.flat_from and ctx.shapes[top] == ctx.shapes[bottoms[0]]:
            ctx.flat_from[top] = ctx.flat_from[bottoms[0]]


@translator(*INPUTS)
def input_layer(lp, ctx):
    kind = str(lp.get("type"))
    layer = Layer("", "input", {"caffe_type": kind})
    tops = lp.get_all("top")
    if kind == "Input":
        blob_shapes = lp.get("input_param").get_all("shape") if lp.get("input_param") else []
        if len(blob_shapes) not in (1, len(tops)):
            raise ctx.error(lp, f"Input layer {lp.get('name')!r} has {len(tops)} tops but {len(blob_shapes)} shapes.")
        for i, top in enumerate(tops):
            dims = [int(d) for d in blob_shapes[min(i, len(blob_shapes) - 1)].get_all("dim")]
            ctx.shapes[top] = tuple(dims[1:])  # the batch dimension becomes the full batch of --samples
            layer.attrs.setdefault("declared_batch", dims[0] if dims else None)
        return layer
    if kind not in ("Data", "ImageData", "HDF5Data"):
        raise ctx.error(lp, f"{kind} layers make their own samples; parity feeds --data through Input or Data layers.")
    # A Data layer's `source` is never opened: the samples come from --data, in their own shape.
    ctx.shapes[tops[0]] = tuple(ctx.sample_shape or (1, 28, 28))
    if len(tops) > 1:
        ctx.shapes[tops[1]] = ()
    if kind != "HDF5Data":
        values = settings(lp, "transform_param", "TransformationParameter")
        for name in ("mirror", "crop_size", "mean_file", "force_color", "force_gray"):
            value, explicit = values[name]
            if explicit and value not in (False, 0, ""):
                raise ctx.error(lp, f"transform_param {name}: {value!r} makes random or file-based changes to the "
                                    "samples that parity does not emulate; remove it (parity compares full batches).")
        means = [float(m) for m in values["mean_value"][0]]
        layer.attrs["transform"] = {"scale": float(values["scale"][0]), "mean": means or [0.0]}
        if not values["scale"][1]:
            layer.defaults["transform.scale"] = "caffe.proto TransformationParameter.scale default 1"
    return layer


@translator("Convolution")
def convolution(lp, ctx):
    v = settings(lp, "convolution_param", "ConvolutionParameter")
    c, h, w = _bottom(lp, ctx)
    kernel = _pair(v, "kernel", lp, ctx)
    stride = _pair(v, "stride", lp, ctx, default=(1, 1))  # caffe.proto:598 comment: stride defaults to 1
    pad = _pair(v, "pad", lp, ctx, default=(0, 0))
    dilation = _pair(v, "dilation", lp, ctx, default=(1, 1))
    group, out = int(v["group"][0]), int(v["num_output"][0])
    if c % group or out % group:
        raise ctx.error(lp, f"Convolution {lp.get('name')!r}: group {group} must divide the input channels ({c}) "
                            f"and num_output ({out}).")
    layer = Layer("", "conv2d", {"num_output": out, "kernel": kernel, "stride": stride, "pad": pad,
                                 "dilation": dilation, "group": group, "bias_term": bool(v["bias_term"][0])})
    for name, default in (("stride", "1"), ("pad", "0"), ("dilation", "1")):
        if not v[name][1] and not v.get(f"{name}_h", (0, False))[1]:
            layer.defaults[name] = f"caffe.proto ConvolutionParameter: {name} defaults to {default}"
    layer.params.append(Param("kernel", (out, c // group, *kernel), "out,in,h,w", filler=_filler(v, "weight_filler")))
    if layer.attrs["bias_term"]:
        layer.params.append(Param("bias", (out,), "", filler=_filler(v, "bias_filler")))
    _tops(lp, ctx, (out, *_sizes(lp, ctx, shapes.conv_size, (h, w), kernel, stride, pad, dilation)))
    return layer


@translator("Pooling")
def pooling(lp, ctx):
    v = settings(lp, "pooling_param", "PoolingParameter")
    c, h, w = _bottom(lp, ctx)
    method = str(v["pool"][0])
    if method not in ("MAX", "AVE"):
        raise ctx.error(lp, f"Pooling {lp.get('name')!r}: pool {method} is random; parity emulates MAX and AVE.")
    glob = bool(v["global_pooling"][0])
    kernel = (h, w) if glob else _pair(v, "kernel", lp, ctx)
    stride = (1, 1) if glob else _pair(v, "stride", lp, ctx)
    pad = (0, 0) if glob else _pair(v, "pad", lp, ctx)
    rounding = str(v["round_mode"][0])
    layer = Layer("", "pool2d", {"method": method, "kernel": kernel, "stride": stride, "pad": pad,
                                 "round_mode": rounding, "global_pooling": glob, "avg_divisor": "caffe"})
    _explicit_subset(layer, v, ("stride", "pad", "round_mode"), "PoolingParameter")
    _tops(lp, ctx, (c, *_sizes(lp, ctx, shapes.pool_size, (h, w), kernel, stride, pad, (rounding, rounding))))
    return layer


def _explicit_subset(layer, v, names, message_type):
    for name in names:
        if not v[name][1]:
            layer.defaults[name] = f"caffe.proto {message_type}.{name} default {v[name][0]}"


@translator("InnerProduct")
def inner_product(lp, ctx):
    v = settings(lp, "inner_product_param", "InnerProductParameter")
    first = _bottom(lp, ctx)
    bottom = lp.get_all("bottom")[0]
    shape = ctx.flat_from.get(bottom, first)  # after a Flatten the C,H,W order still holds
    axis = int(v["axis"][0])
    if axis != 1 or v["transpose"][0]:
        raise ctx.error(lp, f"InnerProduct {lp.get('name')!r}: parity emulates axis 1 without transpose.")
    out, k = int(v["num_output"][0]), 1
    for s in shape:
        k *= s
    # Caffe flattens C, H, W in that order (inner_product_layer.cpp:21 — "K_ = bottom[0]->count(axis);")
    layout = f"out,in(c,h,w:{','.join(map(str, shape))})" if len(shape) == 3 else "out,in"
    layer = Layer("", "dense", {"num_output": out, "bias_term": bool(v["bias_term"][0]), "axis": axis,
                                "flatten_order": "c,h,w"})
    layer.params.append(Param("kernel", (out, k), layout, filler=_filler(v, "weight_filler")))
    if layer.attrs["bias_term"]:
        layer.params.append(Param("bias", (out,), "", filler=_filler(v, "bias_filler")))
    _tops(lp, ctx, (out,))
    return layer


@translator("ReLU")
def relu(lp, ctx):
    v = settings(lp, "relu_param", "ReLUParameter")
    layer = Layer("", "relu", {"negative_slope": float(v["negative_slope"][0])})
    _explicit_subset(layer, v, ("negative_slope",), "ReLUParameter")
    _tops(lp, ctx, _bottom(lp, ctx))
    return layer


@translator("Sigmoid", "TanH")
def squash(lp, ctx):
    _tops(lp, ctx, _bottom(lp, ctx))
    return Layer("", str(lp.get("type")).lower(), {})


@translator("Softmax")
def softmax(lp, ctx):
    v = settings(lp, "softmax_param", "SoftmaxParameter")
    _tops(lp, ctx, _bottom(lp, ctx))
    return Layer("", "softmax", {"axis": int(v["axis"][0])})


@translator("Dropout")
def dropout(lp, ctx):
    v = settings(lp, "dropout_param", "DropoutParameter")
    _tops(lp, ctx, _bottom(lp, ctx))
    ctx.notes.append(f"dropout {lp.get('name')!r} is off: an unshared random mask would make any two runs differ")
    return Layer("", "dropout", {"ratio": float(v["dropout_ratio"][0]), "active": False})


@translator("Flatten")
def flatten(lp, ctx):
    v = settings(lp, "flatten_param", "FlattenParameter")
    axis, end = int(v["axis"][0]), int(v["end_axis"][0])
    if axis != 1 or end != -1:
        raise ctx.error(lp, "Flatten: parity emulates axis 1 to end_axis -1.")
    size = 1
    for s in _bottom(lp, ctx):
        size *= s
    _tops(lp, ctx, (size,))
    if len(_bottom(lp, ctx)) == 3:
        ctx.flat_from[lp.get_all("top")[0]] = _bottom(lp, ctx)
    return Layer("", "flatten", {"axis": axis, "end_axis": end, "order": "c,h,w"})


@translator("Reshape")
def reshape(lp, ctx):
    v = settings(lp, "reshape_param", "ReshapeParameter")
    dims = [int(d) for d in v["shape"][0].get_all("dim")] if v["shape"][0] is not None else []
    if int(v["axis"][0]) != 0 or int(v["num_axes"][0]) != -1 or not dims:
        raise ctx.error(lp, "Reshape: parity emulates a full reshape (axis 0, num_axes -1) with a shape.")
    bottom = (1, *_bottom(lp, ctx))
    out = [bottom[i] if d == 0 else d for i, d in enumerate(dims)]
    total = 1
    for s in bottom:
        total *= s
    if -1 in out:
        known = 1
        for d in out:
            known *= d if d != -1 else 1
        out[out.index(-1)] = total // known
    _tops(lp, ctx, tuple(out[1:]))
    return Layer("", "reshape", {"dims": dims})


@translator("Concat")
def concat(lp, ctx):
    v = settings(lp, "concat_param", "ConcatParameter")
    axis = int(v["axis"][0]) if not v["concat_dim"][1] else int(v["concat_dim"][0])
    parts = [ctx.shapes[b] for b in lp.get_all("bottom")]
    if axis != 1:
        raise ctx.error(lp, "Concat: parity emulates concatenation along channels (axis 1).")
    _tops(lp, ctx, (sum(p[0] for p in parts), *parts[0][1:]))
    return Layer("", "concat", {"axis": axis})


@translator("Eltwise")
def eltwise(lp, ctx):
    v = settings(lp, "eltwise_param", "EltwiseParameter")
    coeff = [float(c) for c in v["coeff"][0]] or None
    _tops(lp, ctx, _bottom(lp, ctx))
    return Layer("", "eltwise", {"operation": str(v["operation"][0]), "coeff": coeff})


@translator("Split")
def split(lp, ctx):
    shape = _bottom(lp, ctx)
    _tops(lp, ctx, *([shape] * len(lp.get_all("top"))))
    return Layer("", "split", {})


@translator("BatchNorm")
def batch_norm(lp, ctx):
    v = settings(lp, "batch_norm_param", "BatchNormParameter")
    c = _bottom(lp, ctx)[0]
    use_global = v["use_global_stats"][0] if v["use_global_stats"][1] else False  # TRAIN phase default
    layer = Layer("", "batchnorm", {"use_global_stats": bool(use_global), "eps": float(v["eps"][0]),
                                    "moving_average_fraction": float(v["moving_average_fraction"][0])})
    _explicit_subset(layer, v, ("eps", "moving_average_fraction"), "BatchNormParameter")
    # batch_norm_layer.cpp:42 — the three statistic blobs get lr_mult 0: state, not parameters
    for role, shape in (("mean", (c,)), ("variance", (c,)), ("factor", (1,))):
        layer.params.append(Param(role, shape, "", trainable=False, filler={"type": "constant", "value": 0.0}))
    _tops(lp, ctx, _bottom(lp, ctx))
    return layer


@translator("Scale")
def scale(lp, ctx):
    v = settings(lp, "scale_param", "ScaleParameter")
    if len(lp.get_all("bottom")) != 1 or int(v["axis"][0]) != 1 or int(v["num_axes"][0]) != 1:
        raise ctx.error(lp, "Scale: parity emulates a learned per-channel scale (one bottom, axis 1, num_axes 1).")
    c = _bottom(lp, ctx)[0]
    layer = Layer("", "scale", {"bias_term": bool(v["bias_term"][0]), "axis": 1})
    filler = _filler(v, "filler")
    if not v["filler"][1]:  # scale_layer.cpp:39 — "filler_param.set_value(1);"
        filler = {**filler, "type": "constant", "value": 1.0}
    layer.params.append(Param("gamma", (c,), "", filler=filler))
    if layer.attrs["bias_term"]:
        layer.params.append(Param("beta", (c,), "", filler=_filler(v, "bias_filler")))
    _tops(lp, ctx, _bottom(lp, ctx))
    return layer


@translator("SoftmaxWithLoss")
def softmax_loss(lp, ctx):
    v = settings(lp, "loss_param", "LossParameter")
    normalization = str(v["normalization"][0])
    if not v["normalization"][1] and v["normalize"][1]:
        normalization = "VALID" if v["normalize"][0] else "BATCH_SIZE"  # the deprecated bool, caffe.proto:475
    ignore = int(v["ignore_label"][0]) if v["ignore_label"][1] else None
    layer = Layer("", "softmax_loss", {"normalization": normalization, "ignore_label": ignore,
                                       "loss_weight": _loss_weight(lp)})
    if not v["normalization"][1] and not v["normalize"][1]:
        layer.defaults["normalization"] = "caffe.proto:471 LossParameter.normalization default VALID"
    _tops(lp, ctx, ())
    return layer


@translator("EuclideanLoss")
def euclidean_loss(lp, ctx):
    _tops(lp, ctx, ())
    return Layer("", "euclidean_loss", {"loss_weight": _loss_weight(lp), "normalizer": "2N"})


def _loss_weight(lp):
    weights = lp.get_all("loss_weight")
    return float(weights[0]) if weights else 1.0  # a loss layer's top has weight 1 (layer.hpp SetLossWeights)
