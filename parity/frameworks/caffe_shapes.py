"""Caffe's output-size rules, pure Python: the one place both the dialect (shape inference without
TensorFlow) and the engine's ops (caffe_ops, caffe_pool) take them from."""

import numpy as np


def conv_size(size, kernel, stride=1, pad=0, dilation=1):
    extent = dilation * (kernel - 1) + 1  # conv_layer.cpp:17
    if size + 2 * pad < extent:
        raise ValueError(f"kernel extent {extent} exceeds padded input {size + 2 * pad}")
    return (size + 2 * pad - extent) // stride + 1  # conv_layer.cpp:18-19 (integer division)


def pool_size(size, kernel, stride, pad, round_mode="CEIL"):
    """Pooled length along one axis, pooling_layer.cpp:91-118."""
    if round_mode not in ("CEIL", "FLOOR"):
        raise ValueError(f"Unknown rounding mode {round_mode!r}")  # :105
    # :93-102 the division is done in float, then ceil/floor, then +1
    ratio = np.float32(size + 2 * pad - kernel) / np.float32(stride)
    out = int(np.ceil(ratio) if round_mode == "CEIL" else np.floor(ratio)) + 1
    if pad:  # :107 only with padding: the last window must start inside the image
        if (out - 1) * stride >= size + pad:  # :110
            out -= 1
        if not (out - 1) * stride < size + pad:  # :116 CHECK_LT
            raise ValueError("last pooling window starts in the padding")
    if out < 1:
        raise ValueError(f"pooling gives an empty output (size {size}, kernel {kernel})")
    return out
