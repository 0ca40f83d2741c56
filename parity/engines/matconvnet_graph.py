"""MatConvNet descriptions on the description engine: vl_simplenn's blocks as its CPU code computes
them, and cnn_train's SGD (parity.frameworks.matconvnet has the sources).

Tensors are N×H×W×C (MatConvNet's H×W×C×N with the batch axis first); filters are H×W×(C/G)×K,
which is TensorFlow's HWIO. The loss op returns cnn_train's objective (the summed loss / N), so the
engine's gradients are dzdw/N: the `1/batchSize` of beta25's update is already applied.
"""

from functools import partial

import numpy as np

from .. import lazy
from .graph_registry import op as _register
from .graph_registry import solver

tf = lazy.tensorflow()
op = partial(_register, "matconvnet")


def _pad4(pad):
    pad = tuple(int(p) for p in pad)
    return pad if len(pad) == 4 else (pad[0], pad[0], pad[1], pad[1])


def _padded(x, pad4, value=0.0):
    t, b, left, r = pad4
    if not any(pad4):
        return x
    return tf.pad(x, [[0, 0], [t, b], [left, r], [0, 0]], constant_values=value)


def conv(x, filters, bias, stride, pad, dilation, groups):
    """vl_nnconv: zero pad [t b l r], floor output size, groups from the filter depth."""
    x = _padded(x, _pad4(pad))
    sy, sx = (int(s) for s in stride)
    dy, dx = (int(d) for d in dilation)
    dilated = dy > 1 or dx > 1
    strides = (1, 1) if dilated else (sy, sx)  # TF cannot stride a dilated conv: subsample afterwards

    def one(a, f):
        return tf.nn.conv2d(a, f, strides=(1, *strides, 1), padding="VALID", dilations=(1, dy, dx, 1))

    if groups == 1:
        y = one(x, filters)
    else:  # TF has no grouped-conv gradient on CPU; MatConvNet's group g reads channels g·C/G …
        y = tf.concat([one(a, f) for a, f in zip(tf.split(x, groups, axis=3), tf.split(filters, groups, axis=3))], 3)
    if dilated and (sy > 1 or sx > 1):
        y = y[:, ::sy, ::sx, :]
    return y if bias is None else y + tf.reshape(bias, (1, 1, 1, -1))


def pool(x, method, kernel, stride, pad):
    """vl_nnpool (CPU): windows clipped to the image — max ignores padding, avg divides by the cells inside."""
    pad4 = _pad4(pad)
    ksize, strides = (1, *(int(k) for k in kernel), 1), (1, *(int(s) for s in stride), 1)
    if method == "MAX":
        return tf.nn.max_pool2d(_padded(x, pad4, -np.inf), ksize, strides, "VALID")
    counts = [_inside(int(x.shape[axis]), ksize[axis], strides[axis], pad4[2 * axis - 2], pad4[2 * axis - 1])
              for axis in (1, 2)]
    scale = (ksize[1] * ksize[2]) / np.outer(*counts)[None, :, :, None]  # avg_pool2d divides by the full window
    return tf.nn.avg_pool2d(_padded(x, pad4), ksize, strides, "VALID") * tf.constant(scale, x.dtype)


def _inside(size, k, stride, before, after):
    """Per output position along one axis, how many window cells lie inside the image."""
    starts = np.arange((size + before + after - k) // stride + 1) * stride - before
    return np.minimum(starts + k, size) - np.maximum(starts, 0)


def relu(x, leak):
    # vl_nnrelu: x·(leak + (1−leak)·[x>0]); the derivative at 0 is the leak, as tf.where's
    return tf.nn.relu(x) if not leak else tf.where(x > 0, x, leak * x)


def batch_norm(x, gamma, beta, eps):
    """vl_nnbnorm in training: the batch's moments over N, H, W; σ = √(max(0, E[x²] − μ²) + ε)."""
    mean = tf.reduce_mean(x, axis=(0, 1, 2))
    var = tf.maximum(tf.reduce_mean(tf.square(x), axis=(0, 1, 2)) - tf.square(mean), 0.0)
    sigma = tf.sqrt(var + eps)
    y = (x - mean) * (tf.reshape(gamma, (-1,)) / sigma) + tf.reshape(beta, (-1,))
    return y, tf.stack([mean, sigma], axis=1)


def lrn(x, size, kappa, alpha, beta):
    """vl_nnnormalize: the window Q(k) = [k − ⌊(n−1)/2⌋, k + ⌈(n−1)/2⌉], clipped to the channels."""
    before = (size - 1) // 2
    after = size - 1 - before
    sq = tf.pad(tf.square(x), [[0, 0], [0, 0], [0, 0], [before, after]])
    depth = int(x.shape[3])
    acc = tf.add_n([sq[..., i:i + depth] for i in range(size)])
    return x * tf.pow(kappa + alpha * acc, -beta)


def softmax_log_loss(x, labels):
    """vl_nnsoftmaxloss / vl_nnloss 'softmaxlog' summed over pixels and images, divided by N:
    cnn_train's objective. `labels` are parity's 0-based classes (MatConvNet's class − 1)."""
    n = tf.shape(x)[0]
    classes = tf.cast(labels, tf.int32)
    picked = tf.gather(x, classes, axis=3, batch_dims=1)  # (N, H, W): x at each image's class
    t = tf.reduce_logsumexp(x, axis=3) - picked
    return tf.reduce_sum(t) / tf.cast(n, x.dtype)


@op("conv2d")
def _conv(layer, ins, params, state):
    a = layer.attrs
    return [conv(ins[0], params[0], params[1] if a["bias_term"] else None, a["stride"], a["pad"], a["dilation"],
                 int(a["group"]))]


@op("pool2d")
def _pool(layer, ins, params, state):
    a = layer.attrs
    return [pool(ins[0], a["method"], a["kernel"], a["stride"], a["pad"])]


@op("relu")
def _relu(layer, ins, params, state):
    return [relu(ins[0], float(layer.attrs["negative_slope"]))]


@op("sigmoid")
def _sigmoid(layer, ins, params, state):
    return [tf.sigmoid(ins[0])]


@op("softmax")
def _softmax(layer, ins, params, state):
    return [tf.nn.softmax(ins[0], axis=-1)]


@op("dropout")
def _dropout(layer, ins, params, state):
    return [ins[0]]  # off: see the loader's note


@op("lrn")
def _lrn(layer, ins, params, state):
    a = layer.attrs
    return [lrn(ins[0], int(a["size"]), float(a["kappa"]), float(a["alpha"]), float(a["beta"]))]


@op("batchnorm")
def _batchnorm(layer, ins, params, state):
    y, moments = batch_norm(ins[0], params[0], params[1], float(layer.attrs["eps"]))
    rho = float(layer.attrs.get("moments_rate", 1.0))
    # cnn_train: moments ← (1 − ρ)·moments + ρ·batch moments, once per training batch
    state.append((params[2], (1.0 - rho) * params[2] + rho * tf.cast(moments, params[2].dtype)))
    return [y]


@op("softmax_loss")
def _loss(layer, ins, params, state):
    return [softmax_log_loss(ins[0], ins[1])]


class CnnTrainSGD:
    """accumulateGradients of cnn_train with the default solver, on gradients already divided by N:
    g' = g + thisDecay·w; v ← μ·v − g'; w ← w + thisLR·(v or μ·v − g'), skipped when thisLR = thisDecay = 0."""

    def __init__(self, momentum, nesterov, lr_mults, decays, dtype):
        self.momentum, self.nesterov, self.dtype = momentum, nesterov, dtype
        self.lr_mults, self.decays = lr_mults, decays
        self.velocity = []

    def build(self, variables):
        self.velocity = [tf.Variable(tf.zeros(v.shape, self.dtype), trainable=False) for v in variables]

    def apply(self, variables, grads, rate, iteration):
        mu = tf.constant(self.momentum, self.dtype)
        for w, g, v, mult, decay in zip(variables, grads, self.velocity, self.lr_mults, self.decays):
            this_lr = rate * tf.constant(mult, self.dtype)
            step = g + tf.constant(decay, self.dtype) * w if decay else g
            v_new = mu * v - step
            delta = mu * v_new - step if self.nesterov else v_new
            w_new = w + this_lr * delta
            if decay > 0:
                v.assign(v_new)
                w.assign(w_new)
            else:
                active = this_lr > 0
                v.assign(tf.where(active, v_new, v))
                w.assign(tf.where(active, w_new, w))


@solver("matconvnet")
def matconvnet_solver(desc, tensors, dtype, sgd_lr=None, default_lr=None):
    """cnn_train's SGD and per-epoch rates; --optimizer sgd: plain w ← w − lr·g (no momentum, decay or multipliers)."""
    if sgd_lr is not None:
        return CnnTrainSGD(0.0, False, [1.0] * len(tensors), [0.0] * len(tensors), dtype), lambda it: float(sgd_lr)
    by_key = {f"{layer.name}/{i}": p for layer in desc.layers for i, p in enumerate(layer.params)}
    hyper = desc.optimizer.hyper
    decay = float(hyper["weight_decay"])
    rule = CnnTrainSGD(float(hyper["momentum"]), bool(hyper["nesterov"]),
                       [float(by_key[t.key].lr_mult) for t in tensors],
                       [decay * float(by_key[t.key].decay_mult) for t in tensors], dtype)
    rates = [float(r) for r in desc.optimizer.schedule["learning_rate"]]
    return rule, lambda iteration: rates[min(int(iteration), len(rates) - 1)]  # epoch k = iteration k−1
