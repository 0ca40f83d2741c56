"""Keras descriptions on the description engine: each layer kind as Keras 3 computes it on
TensorFlow (the same TF ops keras/src/backend/tensorflow calls), and the compiled loss.

Tensors are N×H×W×C and weights keep Keras's layouts (dense (in, out), conv (h, w, in/groups, out)),
so nothing is transposed. The regularisers, which Keras adds to the objective, and the model's own
initial weights are the engine's part: keras_desc_engine.KerasGraphEngine.
"""

from functools import partial

from .. import lazy
from ..frameworks import keras as facts
from . import keras_solver  # noqa: F401  (registers the "keras" solver)
from .graph_registry import op as _register

tf = lazy.tensorflow()
op = partial(_register, "keras")


def _leaky(x, slope):
    return tf.nn.leaky_relu(x, alpha=slope)


ACTIVATIONS = {  # keras/src/activations/activations.py -> backend/tensorflow/nn.py
    "linear": lambda x: x, "relu": tf.nn.relu, "sigmoid": tf.nn.sigmoid, "tanh": tf.nn.tanh,
    "softmax": lambda x: tf.nn.softmax(x, axis=-1), "softplus": tf.math.softplus, "elu": tf.nn.elu,
    "leaky_relu": lambda x: _leaky(x, 0.2), "relu6": tf.nn.relu6, "silu": tf.nn.silu, "swish": tf.nn.silu,
}


def activate(name, x):
    return ACTIVATIONS[name](x)


def _with_logits(layer, z):
    """The activation's output, and the pre-activation too where the loss reads it (`name:logits`)."""
    out = [activate(layer.attrs.get("activation", "linear"), z)]
    return out + [z] if len(layer.outputs) > 1 else out


def add_bias(z, bias):
    """ops.add(z, bias) (backend/tensorflow/numpy.py:96-131): tf.nn.bias_add where the bias has one
    dimension above 1 matching z's channels, else a broadcasting tf.add (a single unit or filter), whose
    gradient sums in another order."""
    squeezed = [d for d in bias.shape if d > 1]
    if len(squeezed) == 1 and z.shape.rank > 1 and squeezed[0] in (z.shape[1], z.shape[-1]):
        fmt = "NHWC" if z.shape[-1] == squeezed[0] else "NCHW"
        return tf.nn.bias_add(z, tf.reshape(bias, (-1,)) if bias.shape.rank > 1 else bias, data_format=fmt)
    return tf.add(z, bias)


@op("dense")
def _dense(layer, ins, params, state):
    x, kernel = ins[0], params[0]
    # ops.matmul: tf.matmul for rank 2, tf.tensordot over the last axis above (numpy.py:627-637)
    z = tf.matmul(x, kernel) if x.shape.rank == 2 else tf.tensordot(x, kernel, axes=[[-1], [0]])
    if layer.attrs["bias_term"]:
        z = add_bias(z, params[1])  # dense.py:224
    return _with_logits(layer, z)


def _pair(v):
    return tuple(int(a) for a in v) if isinstance(v, (list, tuple)) else (int(v), int(v))


def _grouped(x, kernel, strides, padding, dilations):
    return tf.nn.convolution(x, kernel, strides, padding, data_format="NHWC", dilations=dilations)


# Keras runs a grouped convolution under XLA: TF's CPU kernels lack it (backend/tensorflow/nn.py:844-852)
_grouped_xla = tf.function(_grouped, jit_compile=True)


@op("conv2d")
def _conv(layer, ins, params, state):
    a = layer.attrs
    x, kernel = ins[0], params[0]
    strides, dilations, padding = _pair(a["stride"]), _pair(a["dilation"]), str(a["pad"]).upper()
    if int(x.shape[-1]) != int(kernel.shape[-2]):
        z = _grouped_xla(x, kernel, strides, padding, dilations)
    else:
        z = tf.nn.convolution(x, kernel, strides, padding, data_format="NHWC", dilations=dilations)
    if a["bias_term"]:
        z = add_bias(z, tf.reshape(params[1], (1, 1, 1, -1)))  # base_conv.py:257-263
    return _with_logits(layer, z)


@op("pool2d")
def _pool(layer, ins, params, state):
    a = layer.attrs
    fn = tf.nn.max_pool if a["method"] == "MAX" else tf.nn.avg_pool  # nn.py:250,278; SAME avg excludes padding
    return [fn(ins[0], _pair(a["kernel"]), _pair(a["stride"]), str(a["pad"]).upper(), "NHWC")]


@op("flatten")
def _flatten(layer, ins, params, state):
    x = ins[0]
    if layer.attrs.get("data_format") == "channels_first" and x.shape.rank > 2:
        x = tf.transpose(x, (0, *range(2, x.shape.rank), 1))  # flatten.py:46-48: axis 1 moved last
    return [tf.reshape(x, (tf.shape(x)[0], -1))]  # flatten.py:58, channels_last: h, w, c order


@op("dropout", "input")
def _identity(layer, ins, params, state):
    return [ins[0]] if ins else []  # dropout: off, as parity trains every Keras side


@op("relu")
def _relu(layer, ins, params, state):
    """activations.relu's static_call (activations.py): leaky_relu when only a slope is set."""
    a, x = layer.attrs, ins[0]
    slope, cap, threshold = float(a.get("negative_slope") or 0.0), a.get("max_value"), float(a.get("threshold") or 0)
    if slope and cap is None and threshold == 0:
        return [_leaky(x, slope)]
    negative = (tf.nn.relu(-x + threshold) if threshold else tf.nn.relu(-x)) if slope else 1
    if threshold:
        y = tf.where(x > tf.cast(threshold, x.dtype), x, tf.zeros_like(x))
    elif cap == 6:
        y, cap = tf.nn.relu6(x), None
    else:
        y = tf.nn.relu(x)
    if cap is not None:
        y = tf.clip_by_value(y, tf.cast(0.0, x.dtype), tf.cast(cap, x.dtype))
    return [y - slope * negative if slope else y]


@op("linear", "sigmoid", "tanh", "softmax", "softplus", "elu", "leaky_relu", "relu6", "silu", "swish")
def _activation(layer, ins, params, state):
    if layer.kind == "softmax":  # keras.layers.Softmax(axis) / Activation("softmax")
        return [tf.nn.softmax(ins[0], axis=int(layer.attrs.get("axis", -1)))]
    return [activate(layer.kind, ins[0])]


@op("batchnorm")
def _batchnorm(layer, ins, params, state):
    """batch_normalization.py:345-405: training moments from tf.nn.moments (biased variance), the moving
    statistics updated in the forward pass; a frozen layer normalises with the moving statistics."""
    a, x = layer.attrs, ins[0]
    params = list(params)
    gamma = params.pop(0) if a.get("scale", True) else None
    beta = params.pop(0) if a.get("center", True) else None
    moving_mean, moving_var = params
    axis = int(a.get("axis", -1)) % x.shape.rank
    reduce = [i for i in range(x.shape.rank) if i != axis]
    if a.get("use_global_stats"):
        mean, var = moving_mean, moving_var
    else:
        mean, var = tf.nn.moments(x, reduce)
        m = float(a["momentum"])
        state.append((moving_mean, moving_mean * m + mean * (1.0 - m)))
        state.append((moving_var, moving_var * m + var * (1.0 - m)))
    if axis != x.shape.rank - 1:
        shape = [1] * x.shape.rank
        shape[axis] = -1
        mean, var = tf.reshape(mean, shape), tf.reshape(var, shape)
        gamma = None if gamma is None else tf.reshape(gamma, shape)
        beta = None if beta is None else tf.reshape(beta, shape)
    return [tf.nn.batch_normalization(x, mean, var, beta, gamma, float(a["eps"]))]


@op("eltwise")
def _eltwise(layer, ins, params, state):
    out = ins[0]
    for x in ins[1:]:  # keras.layers.Add: ops.add, left to right
        out = out + x if layer.attrs["operation"] == "SUM" else out * x
    return [out]


@op("concat")
def _concat(layer, ins, params, state):
    return [tf.concat(ins, axis=int(layer.attrs["axis"]))]


@op("keras_loss")
def _loss(layer, ins, params, state):
    """The compiled loss, reduced over the batch as Keras reduces it (losses/loss.py:148-159)."""
    values = per_sample(layer.attrs, ins[0], ins[1])
    total = tf.reduce_sum(values)
    if layer.attrs["reduction"] in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        count = tf.cast(tf.reduce_prod(tf.shape(values)), total.dtype)
        total = tf.math.divide_no_nan(total, count)
    return [total]


def per_sample(a, pred, labels):
    name, eps = a["loss"], float(a.get("epsilon", facts.EPSILON.value))
    logits = bool(a.get("uses_logits"))
    units = int(pred.shape[-1])
    if name == "sparse_categorical_crossentropy":
        target = tf.cast(labels, tf.int64)
        if not logits:  # nn.py:1432-1436: clip and log, then a softmax cross-entropy of the logs
            pred = tf.math.log(tf.clip_by_value(pred, eps, 1 - eps))
        return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=target, logits=pred)
    if units == 1 or name == "binary_crossentropy":  # keras_engine.targets: y as a column
        target = tf.reshape(tf.cast(labels, pred.dtype), (-1, 1))
    else:
        target = tf.one_hot(tf.cast(labels, tf.int32), units, dtype=pred.dtype)
    if name == "mean_squared_error":
        return tf.reduce_mean(tf.square(target - pred), axis=-1)  # losses.py:1788
    smoothing = float(a.get("label_smoothing") or 0.0)
    if name == "categorical_crossentropy":
        if smoothing:  # losses.py:2200-2204
            target = target * (1.0 - smoothing) + smoothing / tf.cast(tf.shape(target)[-1], pred.dtype)
        if logits:
            return tf.nn.softmax_cross_entropy_with_logits(labels=target, logits=pred, axis=-1)
        pred = pred / tf.reduce_sum(pred, -1, keepdims=True)  # nn.py:1372-1378
        pred = tf.clip_by_value(pred, eps, 1.0 - eps)
        return -tf.reduce_sum(target * tf.math.log(pred), -1)
    if name == "binary_crossentropy":
        if smoothing:  # losses.py:2411-2412
            target = target * (1.0 - smoothing) + 0.5 * smoothing
        if logits:
            values = tf.nn.sigmoid_cross_entropy_with_logits(labels=target, logits=pred)
        else:  # nn.py:1484-1489
            pred = tf.clip_by_value(pred, eps, 1.0 - eps)
            values = -(target * tf.math.log(pred) + (1 - target) * tf.math.log(1 - pred))
        return tf.reduce_mean(values, axis=-1)
    raise KeyError(name)
