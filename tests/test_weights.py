"""Canonical layouts, layout inference (square matrices included), seeded draws, matching."""

import numpy as np
import pytest

from parity.description import Tensor
from parity.errors import UsageError
from parity.weights import from_canonical, infer_layouts, match, seeded, starting_weights, to_canonical


def test_inference_follows_the_chain_of_sizes():
    shapes = {"W1": (30, 784), "b1": (30,), "W2": (30, 10), "b2": (10,)}
    assert infer_layouts(shapes, 784, {}, "net.py") == {"W1": "out,in", "b1": "", "W2": "in,out", "b2": ""}


def test_a_square_matrix_without_a_declared_layout_names_the_parameter():
    shapes = {"W1": (30, 784), "W2": (30, 30)}
    with pytest.raises(UsageError) as err:
        infer_layouts(shapes, 784, {}, "net.py")
    assert "'W2'" in str(err.value) and "square 30x30" in str(err.value) and "layouts" in str(err.value)


def test_a_declared_layout_settles_a_square_matrix():
    shapes = {"W1": (30, 784), "W2": (30, 30), "W3": (10, 30)}
    layouts = infer_layouts(shapes, 784, {"W2": "in,out"}, "net.py")
    assert layouts == {"W1": "out,in", "W2": "in,out", "W3": "out,in"}


def test_a_declared_layout_must_name_every_axis():
    with pytest.raises(UsageError, match="names 2 axes"):
        infer_layouts({"K": (3, 3, 1, 8)}, 784, {"K": "out,in"}, "net.py")


def test_conv_kernels_convert_between_oihw_and_hwio():
    oihw = np.arange(8 * 3 * 5 * 5, dtype=np.float32).reshape(8, 3, 5, 5)
    hwio = to_canonical(oihw, "out,in,h,w")
    assert hwio.shape == (5, 5, 3, 8)
    assert hwio[1, 2, 0, 7] == oihw[7, 0, 1, 2]
    np.testing.assert_array_equal(from_canonical(hwio, "out,in,h,w"), oihw)


def test_seeded_draw_depends_only_on_seed_index_role_and_shape():
    a = seeded(0, 2, "kernel", (784, 30))
    np.testing.assert_array_equal(a, seeded(0, 2, "kernel", (784, 30)))
    assert not np.array_equal(a, seeded(1, 2, "kernel", (784, 30)))
    assert not np.array_equal(a, seeded(0, 3, "kernel", (784, 30)))
    assert a.dtype == np.float32
    limit = np.sqrt(6 / (784 + 30))  # Glorot uniform
    assert np.abs(a).max() <= limit and np.abs(a).max() > 0.95 * limit


def test_seeded_biases_and_scales():
    bias = seeded(0, 1, "bias", (10000,))
    gamma = seeded(0, 1, "gamma", (10000,))
    assert abs(bias.std() - 0.01) < 0.001 and abs(bias.mean()) < 0.001
    assert abs(gamma.mean() - 1) < 0.001 and abs(gamma.std() - 0.01) < 0.001


def test_seeded_conv_kernel_uses_the_receptive_field_in_its_fans():
    k = seeded(0, 0, "kernel", (3, 3, 1, 64))
    limit = np.sqrt(6 / (9 * 1 + 9 * 64))
    assert np.abs(k).max() <= limit and np.abs(k).max() > 0.95 * limit


def _keras_like():
    return [Tensor("dense", "dense/kernel", "kernel", (784, 30), "in,out"),
            Tensor("dense", "dense/bias", "bias", (30,), ""),
            Tensor("dense_1", "dense_1/kernel", "kernel", (30, 10), "in,out")]


def test_match_pairs_layers_by_order_and_converts_layouts():
    b = [Tensor("W1", "W1", "kernel", (30, 784), "out,in", by_key=True),
         Tensor("W1", "b1", "bias", (30,), "", by_key=True),
         Tensor("W2", "W2", "kernel", (10, 30), "out,in", by_key=True)]
    matches, mismatch = match(_keras_like(), b)
    assert mismatch is None and len(matches) == 2
    start = starting_weights("a", matches, {"dense/kernel": np.ones((784, 30)), "dense/bias": np.zeros(30),
                                            "dense_1/kernel": np.full((30, 10), 2.0)}, {})
    assert start[(0, "kernel")].shape == (784, 30)
    assert from_canonical(start[(1, "kernel")], "out,in").shape == (10, 30)


def test_match_reports_the_first_layer_whose_shapes_differ():
    b = [Tensor("W1", "W1", "kernel", (30, 784), "out,in", by_key=True),
         Tensor("W1", "b1", "bias", (30,), "", by_key=True),
         Tensor("W2", "W2", "kernel", (12, 30), "out,in", by_key=True)]
    _, mismatch = match(_keras_like(), b)
    assert mismatch.index == 1 and mismatch.layer_a == "dense_1" and mismatch.layer_b == "W2"
    assert "30x10 on side A but 30x12 (12x30 as W2 stores it, out,in) on side B" in mismatch.why


def test_match_reports_a_missing_layer():
    _, mismatch = match(_keras_like(), _keras_like()[:2])
    assert mismatch.index == 1 and "side A has 2 parameterised layers, side B 1" in mismatch.why


def test_inner_product_after_a_chw_flatten_converts_to_a_dense_after_an_hwc_flatten():
    c, h, w, out = 3, 2, 4, 5
    ip = np.random.default_rng(0).normal(size=(out, c * h * w))  # Caffe: (out, C*H*W), C-major
    layout = f"out,in(c,h,w:{c},{h},{w})"
    dense = to_canonical(ip, layout)  # Keras: (H*W*C, out)
    assert dense.shape == (h * w * c, out)
    x = np.random.default_rng(1).normal(size=(c, h, w))
    # the same feature map flattened each framework's way gives the same outputs
    np.testing.assert_allclose(ip @ x.reshape(-1), x.transpose(1, 2, 0).reshape(-1) @ dense)
    np.testing.assert_array_equal(from_canonical(dense, layout), ip)
