"""Caffe's Pooling layer (MAX / AVE), forward in TensorFlow, N×C×H×W.

Rules from BVLC/caffe 9b89154 `src/caffe/layers/pooling_layer.cpp` (cited as :LINE).
Windows are gathered explicitly (index maps built in NumPy from the static shape) rather
than using tf.nn.max_pool / avg_pool, because Caffe's rules differ from TF's:
- the output size uses CEIL rounding plus the "last window starts inside" clip (:91-118);
- MAX ignores padding, starts from -FLT_MAX and keeps the FIRST strict maximum in the
  row-major window scan (:162, :175-185); its backward routes the whole gradient to that
  one element, whereas tf.reduce_max splits it among ties;
- AVE divides by a window size that counts padding but not ceil overhang (:212-214).
The gradient of the gather is a scatter-add, which is Caffe's backward for both methods.
"""

import numpy as np

from .. import lazy
from ..frameworks.caffe_shapes import pool_size as pool_output_size  # noqa: F401  (re-exported)

tf = lazy.tensorflow()

FLT_MAX = float(np.finfo(np.float32).max)


def _pair(v):
    if isinstance(v, (tuple, list)):
        return int(v[0]), int(v[1])
    return int(v), int(v)


def _axis_windows(size, kernel, stride, pad, out):
    """(out, kernel) indices into [0, size] (size = sentinel) and the AVE divisor factor."""
    idx = np.full((out, kernel), size, dtype=np.int32)
    div = np.zeros(out, dtype=np.int64)
    for o in range(out):
        start = o * stride - pad  # :168 / :210
        # :212 AVE's end is clipped to size+pad BEFORE the divisor is taken (:214)
        div[o] = min(start + kernel, size + pad) - start
        for k in range(kernel):
            p = start + k
            if 0 <= p < size:  # :170-173 / :215-218 the summed/scanned cells lie in the image
                idx[o, k] = p
    return idx, div


def ave_divisor_map(height, width, kernel, stride, pad, out_hw):
    """Caffe's AVE pool_size per output cell (pooling_layer.cpp:212-214), as int64 (oh, ow)."""
    kh, kw = kernel
    _, dh = _axis_windows(height, kh, stride[0], pad[0], out_hw[0])
    _, dw = _axis_windows(width, kw, stride[1], pad[1], out_hw[1])
    return np.outer(dh, dw)


def pool(x, *, method="MAX", kernel=(1, 1), stride=(1, 1), pad=(0, 0),
         round_mode="CEIL", global_pooling=False):
    x = tf.convert_to_tensor(x)
    n, c, h, w = (int(d) for d in x.shape)
    kh, kw = _pair(kernel)
    sh, sw = _pair(stride)
    ph, pw = _pair(pad)
    if global_pooling:
        kh, kw = h, w  # :40-41, :88-89
        if (ph, pw, sh, sw) != (0, 0, 1, 1):
            raise ValueError("global_pooling needs pad 0 and stride 1")  # :65
    if (ph or pw) and not (ph < kh and pw < kw):
        raise ValueError("pooling pad must be smaller than the kernel")  # :74-75
    oh = pool_output_size(h, kh, sh, ph, round_mode)
    ow = pool_output_size(w, kw, sw, pw, round_mode)
    rows, div_h = _axis_windows(h, kh, sh, ph, oh)
    cols, div_w = _axis_windows(w, kw, sw, pw, ow)

    if method == "MAX":
        sentinel = -np.inf  # never beats -FLT_MAX, so it acts as "outside the image"
    elif method == "AVE":
        sentinel = 0.0
    else:
        raise ValueError(f"unsupported pooling method {method!r}")
    xp = tf.pad(x, [[0, 0], [0, 0], [0, 1], [0, 1]], constant_values=sentinel)
    v = tf.gather(xp, rows, axis=2)  # n, c, oh, kh, w+1
    v = tf.gather(v, cols, axis=4)  # n, c, oh, kh, ow, kw
    v = tf.transpose(v, [0, 1, 2, 4, 3, 5])
    v = tf.reshape(v, [n, c, oh, ow, kh * kw])  # last axis in Caffe's scan order (h, then w)

    if method == "AVE":
        # :219-225 sum over the clipped window, then divide by pool_size
        div = tf.constant(np.outer(div_h, div_w), dtype=x.dtype)
        return tf.reduce_sum(v, axis=-1) / div

    # MAX: index of the first maximum in scan order (:178 uses a strict '>')
    m = tf.reduce_max(v, axis=-1, keepdims=True)
    order = tf.range(kh * kw, dtype=tf.int32)
    first = tf.reduce_min(tf.where(tf.equal(v, m), order, kh * kw), axis=-1)
    first = tf.minimum(first, kh * kw - 1)  # NaN-only windows: any index, value is replaced below
    val = tf.gather(v, first[..., None], axis=4, batch_dims=4)[..., 0]
    # :162 top starts at -FLT_MAX (Dtype(-FLT_MAX) in float64 too); a window with nothing
    # above it (e.g. entirely outside the image) keeps it and passes no gradient (mask -1).
    floor = tf.constant(-FLT_MAX, dtype=x.dtype)
    return tf.where(val > floor, val, floor)
