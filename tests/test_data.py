"""Sample readers: bundled subset, .npz, .h5, MNIST IDX folders, random:N; transforms and layouts."""

import gzip

import h5py
import numpy as np
import pytest

from parity import data
from parity.errors import DataError, UsageError


def test_bundled_subset_is_real_mnist():
    s = data.load(None, [(784,), (28, 28, 1)], 10)
    assert s.x.shape == (3000, 28, 28) and s.x.dtype == np.uint8 and s.eight_bit
    assert list(s.y[:10]) == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]  # the first MNIST training labels


def test_inputs_that_do_not_fit_mnist_get_random_data_shaped_for_the_spec():
    s = data.load(None, [(24, 15, 1), (24, 15, 1)], 11)
    assert s.x.shape == (256, 24, 15, 1) and s.x.dtype == np.uint8
    assert s.y.max() < 11 and s.source.startswith("random:256")
    again = data.load("random:256", [(24, 15, 1)], 11)
    np.testing.assert_array_equal(s.x, again.x)


def test_npz_and_h5(tmp_path):
    x, y = np.random.default_rng(0).random((5, 4)), np.arange(5)
    np.savez(tmp_path / "d.npz", x=x, y=y)
    with h5py.File(tmp_path / "d.h5", "w") as f:
        f["x"], f["y"] = x, y
    for name in ("d.npz", "d.h5"):
        s = data.load(str(tmp_path / name), [(4,)], 5)
        np.testing.assert_array_equal(s.x, x)
        np.testing.assert_array_equal(s.y, y)


def test_npz_with_pickled_objects_is_refused(tmp_path):
    np.savez(tmp_path / "evil.npz", x=np.array([{"a": 1}], dtype=object), y=np.zeros(1))
    with pytest.raises(DataError, match="pickled objects"):
        data.load(str(tmp_path / "evil.npz"), [(1,)], 2)


def _idx(path, array, gz):
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    raw = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(raw) if gz else raw)


@pytest.mark.parametrize("gz", [True, False])
def test_idx_folder(tmp_path, gz):
    x = np.random.default_rng(1).integers(0, 256, (3, 28, 28))
    suffix = ".gz" if gz else ""
    _idx(tmp_path / f"train-images-idx3-ubyte{suffix}", x, gz)
    _idx(tmp_path / f"train-labels-idx1-ubyte{suffix}", np.array([7, 2, 1]), gz)
    s = data.load(str(tmp_path), [(784,)], 10)
    np.testing.assert_array_equal(s.x, x)
    assert list(s.y) == [7, 2, 1]


def test_select_and_its_errors():
    s = data.load("random:10", [(3,)], 2)
    assert len(data.select(s, 4).y) == 4
    with pytest.raises(UsageError, match="more than the 10 samples"):
        data.select(s, 11)


def test_labels_out_of_range_name_the_side():
    s = data.Samples(np.zeros((2, 3)), np.array([0, 5]), "test")
    with pytest.raises(DataError, match="side A has 3 outputs"):
        data.check_labels(s, 3, "side A")


def test_flat_input_takes_row_major_order():
    x = np.arange(2 * 28 * 28).reshape(2, 28, 28)
    flat = data.for_side(x, (784,))
    assert flat[1, 28] == x[1, 1, 0]
    with pytest.raises(DataError, match="holds 784 values"):
        data.for_side(x, (100,))


def test_transforms_caffe_order_and_ranges():
    t = data.parse_transform("scale=0.5,mean=10", "--a-input")
    np.testing.assert_allclose(t.apply(np.array([30.0]), np.float64), [10.0])  # (30 - 10) * 0.5
    s = data.Samples(np.zeros((1, 2), np.uint8), np.zeros(1, np.int64), "t")
    assert data.UNIT.value_range(s) == (0.0, 1.0)
    assert data.parse_transform("raw", "--a-input") is data.RAW
    with pytest.raises(UsageError, match="--b-input"):
        data.parse_transform("gain=2", "--b-input")
