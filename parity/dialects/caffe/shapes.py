"""Caffe's output-size rules, pure Python, for shape inference without TensorFlow."""

import math


def conv_size(size, kernel, stride, pad, dilation):
    # src/caffe/layers/conv_layer.cpp:18 —
    # "(input_dim + 2 * pad_data[i] - kernel_extent) / stride_data[i] + 1"
    extent = dilation * (kernel - 1) + 1
    return (size + 2 * pad - extent) // stride + 1


def pool_size(size, kernel, stride, pad, round_mode):
    """src/caffe/layers/pooling_layer.cpp:93-114: CEIL by default, then the clip rule when padded."""
    if round_mode == "FLOOR":
        out = (size + 2 * pad - kernel) // stride + 1
    else:
        out = int(math.ceil((size + 2 * pad - kernel) / stride)) + 1
    # :107-112 — "if (pad_h_ || pad_w_) { ... if ((pooled_height_ - 1) * stride_h_ >= height_ + pad_h_)
    # --pooled_height_;"
    if pad and (out - 1) * stride >= size + pad:
        out -= 1
    return out
