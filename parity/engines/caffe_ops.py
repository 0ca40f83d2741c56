"""TensorFlow functions that compute Caffe's layers exactly (BVLC/caffe 9b89154, CPU path).

Forward ops whose TF gradients reproduce Caffe's Backward_cpu: argmax routing for MAX
pooling / Eltwise MAX, p − onehot for SoftmaxWithLoss (also under the FLT_MIN clamp).
Two places carry a tf.custom_gradient so that float32 round-off matches Caffe's too:
BatchNorm in training mode (Caffe's own backward formula) and per-channel broadcasts
(conv bias, Scale), whose gradient sums run in Caffe's two-stage order.
Tensors are in Caffe's layout (N×C×H×W); weights in Caffe's layouts (conv O×(I/group)×KH×KW,
InnerProduct (out, in)). Works in float32 and float64 and inside tf.function (shapes static).
Comments cite `src/caffe/layers/<file>.cpp:LINE`. Pooling lives in caffe_pool.py.

Proto fields declared `float` in caffe.proto (negative_slope, eps, moving_average_fraction,
coeff) are rounded through float32 first, as Caffe reads them before widening to Dtype.
"""

import numpy as np

from .. import lazy
from ..frameworks.caffe_shapes import conv_size as conv_output_size
from .caffe_pool import FLT_MAX, ave_divisor_map, pool, pool_output_size  # noqa: F401

tf = lazy.tensorflow()

FLT_MIN = float(np.finfo(np.float32).tiny)

__all__ = [
    "conv", "conv_output_size", "pool", "pool_output_size", "ave_divisor_map",
    "inner_product", "relu", "sigmoid", "tanh", "softmax", "flatten", "reshape", "concat",
    "eltwise", "batch_norm", "scale", "softmax_with_loss", "euclidean_loss",
]


def _pf(v):
    """A caffe.proto `float` field as Caffe sees it."""
    return float(np.float32(v))


def _pair(v):
    if isinstance(v, (tuple, list)):
        return int(v[0]), int(v[1])
    return int(v), int(v)


def _like(v, x):
    return tf.cast(tf.convert_to_tensor(v), x.dtype)


def _axis(axis, rank):
    """Blob::CanonicalAxisIndex (include/caffe/blob.hpp)."""
    a = axis + rank if axis < 0 else axis
    if not 0 <= a < rank:
        raise ValueError(f"axis {axis} out of range for a {rank}-D blob")
    return a


def _chan_sum(t, outer, c, scale=None):
    """Σ over all but one axis in Caffe's order: per (outer, c) over the inner dims, then
    over outer (batch_norm_layer.cpp:108-114, conv_layer.cpp:54-56 with
    base_conv_layer.cpp:320, scale_layer.cpp:184-199). One float32 tf.reduce_sum over 25k
    values is ~1e-4 off; this order is ~1e-7, like Caffe."""
    s = tf.reduce_sum(tf.reshape(t, [outer, c, -1]), axis=2)
    return tf.reduce_sum(s if scale is None else s * scale, axis=0)


def _expand(v, shape, axis):
    """Broadcast a per-channel blob v (shape[axis:axis+v.rank]) to `shape`; its gradient is
    reduced by _chan_sum rather than by TF's single-stage broadcast reduction."""
    k, vshape = v.shape.rank, [int(d) for d in v.shape]
    outer, c = int(np.prod(shape[:axis])), int(np.prod(vshape))

    @tf.custom_gradient
    def f(v):
        def grad(dy):
            return tf.reshape(_chan_sum(dy, outer, c), vshape)

        bshape = [1] * axis + vshape + [1] * (len(shape) - axis - k)
        return tf.broadcast_to(tf.reshape(v, bshape), shape), grad

    return f(v)


# ---------------------------------------------------------------- Convolution
def conv(x, weight, bias, *, stride=(1, 1), pad=(0, 0), dilation=(1, 1), group=1):
    """Convolution layer: cross-correlation (util/im2col.cpp:43, no kernel flip)."""
    x = tf.convert_to_tensor(x)
    w = _like(weight, x)
    c, o = int(x.shape[1]), int(w.shape[0])
    if c % group or o % group or int(w.shape[1]) * group != c:  # base_conv_layer.cpp:121-136
        raise ValueError(f"conv weight {tuple(w.shape)} does not fit {c} channels, group {group}")
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride), _pair(pad), _pair(dilation)
    xh = tf.transpose(x, [0, 2, 3, 1])  # TF's CPU kernels take NHWC only
    kh = tf.transpose(w, [2, 3, 1, 0])  # O,I/g,KH,KW -> KH,KW,I/g,O
    padding = [[0, 0], [ph, ph], [pw, pw], [0, 0]]

    def one(a, k):
        return tf.nn.conv2d(a, k, strides=[1, sh, sw, 1], padding=padding,
                            dilations=[1, dh, dw, 1])

    if group == 1:
        y = one(xh, kh)
    else:  # TF 2.21 has no grouped-conv gradient on CPU: split (base_conv_layer.cpp:179,218)
        y = tf.concat([one(a, k) for a, k in zip(tf.split(xh, group, axis=3),
                                                 tf.split(kh, group, axis=3))], axis=3)
    y = tf.transpose(y, [0, 3, 1, 2])
    if bias is not None:  # conv_layer.cpp:34-36
        y = y + _expand(_like(bias, x), [int(d) for d in y.shape], 1)
    return y


# ---------------------------------------------------------------- InnerProduct
def inner_product(x, weight, bias, *, axis=1, transpose=False):
    """y = x·Wᵀ + b over the row-major flatten of axes >= axis (inner_product_layer.cpp:21,89)."""
    x = tf.convert_to_tensor(x)
    shape = [int(d) for d in x.shape]
    a = _axis(axis, len(shape))
    k = int(np.prod(shape[a:]))  # :21 K_ = count(axis)
    w = _like(weight, x)
    x2 = tf.reshape(x, [-1, k])  # C-major flatten of (C, H, W)
    y = tf.matmul(x2, w, transpose_b=not transpose)  # :89 weight (N_, K_) unless transpose
    if bias is not None:  # :92-95
        y = y + tf.reshape(_like(bias, x), [1, -1])
    return tf.reshape(y, shape[:a] + [int(y.shape[1])])  # :71-73


# ---------------------------------------------------------------- neurons
def relu(x, negative_slope=0.0):
    x = tf.convert_to_tensor(x)
    ns = tf.constant(_pf(negative_slope), x.dtype)
    # relu_layer.cpp:16-17 max(x,0) + ns*min(x,0); backward :32-33 slope ns where x <= 0
    return tf.where(x > 0, x, ns * x)


def sigmoid(x):
    x = tf.convert_to_tensor(x)
    return 0.5 * tf.tanh(0.5 * x) + 0.5  # sigmoid_layer.cpp:10


def tanh(x):
    return tf.tanh(x)  # tanh_layer.cpp:17


def softmax(x, axis=1):
    x = tf.convert_to_tensor(x)
    return tf.nn.softmax(x, axis=_axis(axis, x.shape.rank))  # softmax_layer.cpp:37-58


# ---------------------------------------------------------------- shape layers
def flatten(x, axis=1, end_axis=-1):
    x = tf.convert_to_tensor(x)
    shape = [int(d) for d in x.shape]
    a, e = _axis(axis, len(shape)), _axis(end_axis, len(shape))  # flatten_layer.cpp:12-15
    new = shape[:a] + [int(np.prod(shape[a:e + 1]))] + shape[e + 1:]  # :17-24
    return tf.reshape(x, new)


def reshape(x, dims, axis=0, num_axes=-1):
    x = tf.convert_to_tensor(x)
    shape = [int(d) for d in x.shape]
    rank = len(shape)
    start = axis if axis >= 0 else rank + axis + 1  # reshape_layer.cpp:35-36
    end = rank if num_axes == -1 else start + num_axes  # :42-43
    if not 0 <= start <= end <= rank:
        raise ValueError("reshape axis/num_axes out of range")  # :37-45
    dims = [int(d) for d in dims]
    if dims.count(-1) > 1:
        raise ValueError("at most one -1 dim")  # :22-23
    top = shape[:start] + dims + shape[end:]  # :52-60
    for i, d in enumerate(dims):
        if d == 0:  # :62-69 copy the bottom's dimension
            if start + i >= rank:
                raise ValueError("a 0 dim has no bottom axis to copy")
            top[start + i] = shape[start + i]
    if -1 in dims:  # :70-85 infer from the rest
        i = dims.index(-1)
        known = int(np.prod([d for j, d in enumerate(top) if j != start + i]))
        if known == 0 or int(np.prod(shape)) % known:
            raise ValueError("bottom count not divisible by the given dims")
        top[start + i] = int(np.prod(shape)) // known
    if int(np.prod(top)) != int(np.prod(shape)):
        raise ValueError(f"reshape {shape} -> {top} changes the count")  # :87-88
    return tf.reshape(x, top)


def concat(xs, axis=1):
    xs = [tf.convert_to_tensor(t) for t in xs]
    return tf.concat(xs, axis=_axis(axis, xs[0].shape.rank))  # concat_layer.cpp:57-73


def eltwise(xs, operation="SUM", coeff=None):
    xs = [tf.convert_to_tensor(t) for t in xs]
    if coeff and operation != "SUM":
        raise ValueError("Eltwise takes coefficients only for SUM")  # eltwise_layer.cpp:15-18
    if coeff and len(coeff) != len(xs):
        raise ValueError("one Eltwise coefficient per bottom")  # :12-14
    if operation == "SUM":  # :61-66 top = Σ coeff_i·x_i, accumulated in bottom order
        cs = [_pf(c) for c in coeff] if coeff else [1.0] * len(xs)
        y = xs[0] if cs[0] == 1.0 else cs[0] * xs[0]
        for c, t in zip(cs[1:], xs[1:]):
            y = y + (t if c == 1.0 else c * t)
        return y
    if operation == "PROD":  # :55-59 (backward with stable_prod_grad = product of the others)
        y = xs[0]
        for t in xs[1:]:
            y = y * t
        return y
    if operation == "MAX":
        if len(xs) == 1:
            return xs[0]
        # :77-83 bottoms 0,1: a > b ? a : b (a tie goes to bottom 1); :89 later bottoms
        # win only when strictly greater. tf.where routes the gradient like Caffe's mask.
        y = tf.where(xs[0] > xs[1], xs[0], xs[1])
        for t in xs[2:]:
            y = tf.where(t > y, t, y)
        return y
    raise ValueError(f"unknown Eltwise operation {operation!r}")


# ---------------------------------------------------------------- BatchNorm / Scale
def batch_norm(x, mean_blob, var_blob, factor_blob, *, use_global_stats, eps=1e-5,
               moving_average_fraction=0.999):
    """Returns (y, new_mean_blob, new_var_blob, new_factor_blob) (batch_norm_layer.cpp)."""
    x = tf.convert_to_tensor(x)
    rank, n = x.shape.rank, int(x.shape[0])
    c = 1 if rank == 1 else int(x.shape[1])  # :17-20
    ns = int(np.prod([int(d) for d in x.shape])) // c  # N·spatial; :142 m
    bshape = [1, c] + [1] * (rank - 2) if rank > 1 else [1]
    b0, b1, b2 = (tf.stop_gradient(_like(b, x)) for b in (mean_blob, var_blob, factor_blob))
    e = tf.constant(_pf(eps), x.dtype)
    f = tf.constant(_pf(moving_average_fraction), x.dtype)
    if use_global_stats:
        sf = tf.math.divide_no_nan(tf.ones_like(b2[0]), b2[0])  # :100-101 0 if blob2 == 0
        mean, var = b0 * sf, b1 * sf  # :102-105
        sd = tf.reshape(tf.sqrt(var + e), bshape)  # :150-160
        # backward :180-182 is top_diff / sd, which autodiff gives
        return ((x - tf.reshape(mean, bshape)) / sd, b0, b1, b2)  # :118-123, :161

    def stats(x):
        mean = _chan_sum(x, n, c, 1.0 / ns)  # :108-114 two gemvs, scale 1/(N·S)
        xc = x - tf.reshape(mean, bshape)  # :118-123
        var = _chan_sum(tf.square(xc), n, c, 1.0 / ns)  # :127-135 biased E((X-EX)^2)
        return mean, xc, var

    @tf.custom_gradient
    def normalize(x):
        _, xc, var = stats(x)
        sd = tf.reshape(tf.sqrt(var + e), bshape)  # :150-160 eps after the stats update
        y = xc / sd  # :161

        def grad(dy):  # Caffe's own backward, :199-241, same order of operations
            t = y * tf.reshape(_chan_sum(y * dy, n, c), bshape)  # :200-217
            t = t + tf.reshape(_chan_sum(dy, n, c), bshape)  # :220-233
            return (dy - t * (1.0 / ns)) / sd  # :236-241

        return y, grad

    y = normalize(x)
    mean, _, var = stats(tf.stop_gradient(x))
    bcf = tf.constant(ns / (ns - 1) if ns > 1 else 1.0, x.dtype)  # :143 Dtype(m)/(m-1)
    return (y, tf.stop_gradient(mean + f * b0),  # :140-141 axpby(1, mean, f, blob0)
            tf.stop_gradient(bcf * var + f * b1),  # :144-146
            b2 * f + 1)  # :138-139


def scale(x, gamma, beta=None, *, axis=1):
    """Scale layer (scale_layer.cpp:131-141), + Bias (bias_layer.cpp:81-86) if beta given."""
    x = tf.convert_to_tensor(x)
    g = _like(gamma, x)
    k = g.shape.rank
    a = 0 if k == 0 else _axis(axis, x.shape.rank)  # scale_layer.cpp:86-87
    if [int(d) for d in x.shape[a:a + k]] != [int(d) for d in g.shape]:
        raise ValueError(f"scale shape {tuple(g.shape)} does not match bottom at axis {a}")
    shape = [int(d) for d in x.shape]
    y = x * _expand(g, shape, a)
    if beta is not None:
        y = y + _expand(_like(beta, x), shape, a)
    return y


# ---------------------------------------------------------------- losses
def softmax_with_loss(logits, labels, *, normalization="VALID", ignore_label=None, axis=1):
    """−Σ log max(p_label, FLT_MIN) / max(1, normalizer) (softmax_loss_layer.cpp:89-111).

    The gradient is Caffe's p − onehot (:125-140), also where p < FLT_MIN: the clamp only
    changes the value, as in Caffe.
    """
    z = tf.convert_to_tensor(logits)
    shape = [int(d) for d in z.shape]
    a = _axis(axis, len(shape))
    outer, ch, inner = int(np.prod(shape[:a])), shape[a], int(np.prod(shape[a + 1:]))  # :45-46
    lab = tf.convert_to_tensor(labels)
    if int(np.prod([int(d) for d in lab.shape])) != outer * inner:
        raise ValueError("number of labels must match number of predictions")  # :47-51
    lab = tf.reshape(tf.cast(lab, tf.int32), [outer, inner])  # :100 static_cast<int>
    z3 = tf.transpose(tf.reshape(z, [outer, ch, inner]), [0, 2, 1])  # outer, inner, C
    valid = tf.ones_like(lab, tf.bool) if ignore_label is None else \
        tf.not_equal(lab, int(ignore_label))  # :101-103
    safe = tf.where(valid, lab, 0)[..., None]
    logp = tf.gather(tf.nn.log_softmax(z3, axis=-1), safe, axis=2, batch_dims=2)[..., 0]
    p = tf.gather(tf.nn.softmax(z3, axis=-1), safe, axis=2, batch_dims=2)[..., 0]
    value = -tf.math.log(tf.maximum(p, tf.constant(FLT_MIN, z.dtype)))  # :106-107
    per = -logp + tf.stop_gradient(value + logp)  # value of :106, gradient p − onehot
    zero = tf.zeros_like(per)
    loss = tf.reduce_sum(tf.where(valid, per, zero))
    if normalization == "FULL":  # :63-64
        norm = tf.constant(float(outer * inner), z.dtype)
    elif normalization == "VALID":  # :66-71 count of non-ignored labels
        norm = tf.cast(tf.reduce_sum(tf.cast(valid, tf.int32)), z.dtype)
    elif normalization == "BATCH_SIZE":  # :73-74
        norm = tf.constant(float(outer), z.dtype)
    elif normalization == "NONE":  # :76-77
        norm = tf.constant(1.0, z.dtype)
    else:
        raise ValueError(f"Unknown normalization mode {normalization!r}")  # :79-81
    return loss / tf.maximum(tf.constant(1.0, z.dtype), norm)  # :85, :111


def euclidean_loss(a, b):
    """Σ(a−b)² / N / 2 with N = a.shape[0] (euclidean_loss_layer.cpp:21-28)."""
    a = tf.convert_to_tensor(a)
    b = tf.reshape(_like(b, a), a.shape)  # :12 only count(1) must agree
    d = a - b
    return tf.reduce_sum(d * d) / float(int(a.shape[0])) / 2.0
