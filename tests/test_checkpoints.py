"""The checkpoint readers (parity/checkpoints/): every format read back exactly as its framework wrote it,
fitted to a side's tensors, and every bad file a CheckpointError (exit 2) naming the file and parameter.

Keras and PyTorch files are written by Keras and torch themselves; `.caffemodel` files by the wire-format
encoder in tests/checkpoint_writers.py (current `layer` and legacy V1 `layers`, packed and unpacked,
float and double, shaped and legacy 4-D blobs); `.mat` files by scipy.io.savemat (v5, v7) and by an h5py
writer in MATLAB's v7.3 layout.
"""

import os
import pickle
from pathlib import Path

import numpy as np
import pytest
from checkpoint_writers import caffemodel, caffemodel_from_trajectory, mat73, mat_v5

from parity import dialects
from parity.checkpoints import CheckpointError, read
from parity.checkpoints.fit import Misfit, choose, fit
from parity.description import Tensor

ROOT = Path(__file__).resolve().parents[1]
CAFFE_REF = ROOT / "tests" / "data" / "caffe-reference"
MCN_REF = ROOT / "tests" / "data" / "matconvnet-reference"
CANARY = "PARITY_PICKLE_CANARY"


def _tensors(spec):
    from parity.engines.factory import make_engine

    side = dialects.load(str(spec))
    return side, make_engine(side, "A", "float32")


class _Payload:
    """Unpickling this runs code: it sets the canary."""

    def __reduce__(self):
        return (exec, (f"import os; os.environ[{CANARY!r}] = 'unpickled'",))


# --- Caffe ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("options", [{}, {"packed": False}, {"legacy": True}, {"double": True}, {"v1": True},
                                     {"v1": True, "legacy": True, "packed": False}])
def test_caffemodel_variants_read_back_exactly(tmp_path, options):
    rng = np.random.default_rng(0)
    conv, bias = rng.normal(size=(6, 1, 5, 5)).astype(np.float32), rng.normal(size=6).astype(np.float32)
    ip = rng.normal(size=(10, 24)).astype(np.float32)
    path = caffemodel(tmp_path / "net.caffemodel", {"conv1": ("Convolution", [conv, bias]),
                                                    "ip1": ("InnerProduct", [ip, bias[:4].repeat(3)[:10]])},
                      **options)
    ckpt = read(str(path))
    assert ckpt.framework == "caffe"
    assert [(e.name, e.layout, e.role) for e in ckpt.entries] == [
        ("conv1/0", "out,in,h,w", "kernel"), ("conv1/1", "", "bias"), ("ip1/0", "out,in", "kernel"),
        ("ip1/1", "", "bias")]
    np.testing.assert_array_equal(ckpt.entries[0].array, conv)
    np.testing.assert_array_equal(ckpt.entries[2].array, ip)
    assert ckpt.entries[2].array.shape == (10, 24)  # a legacy 1x1x10x24 blob keeps the axes the layer has


def test_caffemodel_of_the_reference_fits_the_caffe_side_bit_for_bit(tmp_path):
    ref = np.load(CAFFE_REF / "dag_batchnorm" / "trajectory.npz")
    types = {"conv1": "Convolution", "bn1": "BatchNorm", "scale1": "Scale", "conv2a": "Convolution",
             "conv2b": "Convolution", "ip2": "InnerProduct"}
    path = caffemodel_from_trajectory(tmp_path / "init.caffemodel", ref, types)
    _, engine = _tensors(CAFFE_REF / "dag_batchnorm" / "solver.prototxt")
    arrays = fit(read(str(path)), engine.tensors)
    assert sorted(arrays) == sorted(t.key for t in engine.tensors)  # BatchNorm's statistics are no parameters
    for key, a in arrays.items():
        np.testing.assert_array_equal(a, ref[f"w/0/{key}"])


def test_a_missing_layer_names_the_layer_and_the_files_layers(tmp_path):
    path = caffemodel(tmp_path / "net.caffemodel", {"conv1": ("Convolution", [np.zeros((8, 1, 3, 3)), np.zeros(8)])})
    _, engine = _tensors(CAFFE_REF / "dag_batchnorm" / "solver.prototxt")
    with pytest.raises(Misfit, match=r"layer 'scale1' \(gamma 8, beta 8\) is not in the file, which has the "
                                     r"layers 'conv1'"):
        fit(read(str(path)), engine.tensors)


def test_wrong_shapes_name_the_parameter_expected_and_found(tmp_path):
    tensors = [Tensor("ip1", "ip1/0", "kernel", (10, 24), "out,in"), Tensor("ip1", "ip1/1", "bias", (10,), "")]
    path = caffemodel(tmp_path / "net.caffemodel", {"ip1": ("InnerProduct", [np.zeros((10, 25)), np.zeros(10)])})
    with pytest.raises(CheckpointError) as info:
        choose(read(str(path)), [("A", tensors, "net.prototxt")])
    text = str(info.value)
    assert text.startswith(f"{path}: --weights: the Caffe checkpoint fits no side")
    assert "ip1/0 (kernel of layer 'ip1') expects shape 10x24 (out,in); the file's ip1/0 has shape 10x25" in text


def test_a_file_in_another_frameworks_layout_does_not_fit(tmp_path):
    """A square Caffe (out, in) kernel has the shape of a Keras (in, out) one: the axes tell them apart."""
    keras_side = [Tensor("ip1", "seq/ip1/kernel", "kernel", (10, 10), "in,out"),
                  Tensor("ip1", "seq/ip1/bias", "bias", (10,), "")]
    path = caffemodel(tmp_path / "net.caffemodel", {"ip1": ("InnerProduct", [np.eye(10), np.zeros(10)])})
    with pytest.raises(Misfit, match=r"in the spec's layout \(in,out\); the file's ip1/0 is 10x10 in its "
                                     r"framework's layout \(out,in\)"):
        fit(read(str(path)), keras_side)


def _truncations(data):
    return [data[:n] for n in (1, 3, len(data) // 2, len(data) - 1)]


def test_truncated_caffemodels_are_clear_errors(tmp_path):
    full = caffemodel(tmp_path / "full.caffemodel", {"conv1": ("Convolution", [np.ones((2, 1, 3, 3)), np.ones(2)])})
    for i, data in enumerate(_truncations(full.read_bytes())):
        path = tmp_path / f"cut{i}.caffemodel"
        path.write_bytes(data)
        with pytest.raises(CheckpointError) as info:
            read(str(path))
        assert str(info.value).startswith(f"{path}: --weights: ")
        assert "truncated" in str(info.value) or "no layer with blobs" in str(info.value), str(info.value)


def test_a_pickle_named_caffemodel_is_never_unpickled(tmp_path, monkeypatch):
    monkeypatch.delenv(CANARY, raising=False)
    path = tmp_path / "evil.caffemodel"
    path.write_bytes(pickle.dumps({"conv1": _Payload()}, protocol=4))
    with pytest.raises(CheckpointError, match="Python pickle or zip archive"):
        read(str(path))
    assert CANARY not in os.environ
    pickle.loads(path.read_bytes())  # the payload is real: unpickling it sets the canary
    assert os.environ.get(CANARY) == "unpickled"


# --- MatConvNet ---------------------------------------------------------------------------------------------
def _basic_layers(ref):
    return [(name, "conv", [ref[f"w/0/{name}/1"], ref[f"w/0/{name}/2"].ravel()]) for name in ("conv1", "conv2", "fc")]


@pytest.mark.parametrize("writer", ["v5", "v7", "v7.3"])
def test_mat_files_of_every_version_fit_the_matconvnet_side_bit_for_bit(tmp_path, writer):
    ref = np.load(MCN_REF / "basic" / "trajectory.npz")
    layers = _basic_layers(ref)
    layers.insert(1, ("relu1", "relu", []))
    path = tmp_path / "net-epoch-0.mat"
    {"v5": lambda: mat_v5(path, layers, compress=False), "v7": lambda: mat_v5(path, layers),
     "v7.3": lambda: mat73(path, layers)}[writer]()
    _, engine = _tensors(MCN_REF / "basic" / "basic_init.m")
    arrays = fit(read(str(path)), engine.tensors)
    for t in engine.tensors:
        layer, index = t.key.rsplit("/", 1)
        np.testing.assert_array_equal(arrays[t.key], ref[f"w/0/{layer}/{int(index) + 1}"].reshape(t.shape))


def test_bad_mat_files(tmp_path):
    ref = np.load(MCN_REF / "basic" / "trajectory.npz")
    good = mat_v5(tmp_path / "good.mat", _basic_layers(ref))
    cases = {"cut.mat": good.read_bytes()[:300], "junk.mat": b"not a mat file at all" * 10, "empty.mat": b""}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(CheckpointError) as info:
            read(str(tmp_path / name))
        assert str(info.value).startswith(f"{tmp_path / name}: --weights: "), str(info.value)
    import scipy.io

    scipy.io.savemat(tmp_path / "other.mat", {"x": np.ones(3)})
    with pytest.raises(CheckpointError, match=r"holding a variable `net` \(as cnn_train saves it\); found the "
                                              r"variables \['x'\]"):
        read(str(tmp_path / "other.mat"))


# --- Keras -----------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def keras_model():
    from parity import lazy

    lazy.tensorflow()  # TensorFlow imported quietly, before Keras
    import keras

    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Conv2D(3, 3, name="c1"),
                              keras.layers.BatchNormalization(name="bn"), keras.layers.Flatten(),
                              keras.layers.Dense(4, name="d1")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    return model


@pytest.mark.parametrize("suffix", [".weights.h5", ".keras", ".h5"])
def test_keras_files_saved_by_keras_read_back_exactly(tmp_path, keras_model, suffix):
    path = tmp_path / f"model{suffix}"
    keras_model.save_weights(path) if suffix == ".weights.h5" else keras_model.save(path)
    ckpt = read(str(path))
    assert ckpt.framework == "keras"
    layers = [name for name, _ in ckpt.layers()]
    assert layers == ["c1", "bn", "d1"] if suffix != ".weights.h5" else sorted(layers) == ["bn", "c1", "d1"]
    tensors = [Tensor(v.path.split("/")[-2], v.path, v.name, tuple(v.shape),
                      {2: "in,out", 4: "h,w,in,out"}.get(len(v.shape), ""))
               for v in keras_model.trainable_variables]
    arrays = fit(ckpt, tensors)
    for v in keras_model.trainable_variables:
        np.testing.assert_array_equal(arrays[v.path], np.asarray(v))


def test_an_hdf5_file_that_is_no_keras_file(tmp_path):
    import h5py

    with h5py.File(tmp_path / "data.h5", "w") as f:
        f["x"] = np.ones(3)
    with pytest.raises(CheckpointError, match="is an HDF5 file but not a Keras weights file"):
        read(str(tmp_path / "data.h5"))
    (tmp_path / "junk.keras").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CheckpointError, match="expected a Keras .keras archive"):
        read(str(tmp_path / "junk.keras"))


# --- PyTorch -------------------------------------------------------------------------------------------------------
def test_a_state_dict_saved_by_torch_reads_back_exactly(tmp_path):
    import torch

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 3, 3), torch.nn.BatchNorm2d(3), torch.nn.Flatten(),
                              torch.nn.Linear(48, 4))
    torch.save(net.state_dict(), tmp_path / "net.pt")
    ckpt = read(str(tmp_path / "net.pt"))
    assert [(e.name, e.layout, e.role) for e in ckpt.entries] == [
        ("0.weight", "out,in,h,w", "kernel"), ("0.bias", "", "bias"), ("1.weight", "", "gamma"),
        ("1.bias", "", "beta"), ("1.running_mean", "", "state"), ("1.running_var", "", "state"),
        ("1.num_batches_tracked", "", "state"), ("3.weight", "out,in", "kernel"), ("3.bias", "", "bias")]
    for e in ckpt.entries:
        np.testing.assert_array_equal(e.array, net.state_dict()[e.name].numpy())


def test_a_pickle_payload_in_a_pt_file_never_runs(tmp_path, monkeypatch):
    import torch

    monkeypatch.delenv(CANARY, raising=False)
    path = tmp_path / "evil.pt"
    torch.save({"fc.weight": torch.zeros(2, 2), "hook": _Payload()}, path)
    with pytest.raises(CheckpointError, match="holds pickled Python objects beyond tensors, which parity never "
                                              "unpickles"):
        read(str(path))
    assert CANARY not in os.environ
    torch.load(path, weights_only=False)  # the payload is real: an unsafe load runs it
    assert os.environ.get(CANARY) == "unpickled"


def test_bad_pt_files(tmp_path):
    import torch

    torch.save(torch.zeros(3), tmp_path / "tensor.pt")
    with pytest.raises(CheckpointError, match="expected a PyTorch state_dict .* found a Tensor"):
        read(str(tmp_path / "tensor.pt"))
    torch.save({"w": torch.ones(4, 4)}, tmp_path / "full.pt")
    (tmp_path / "cut.pt").write_bytes((tmp_path / "full.pt").read_bytes()[:200])
    with pytest.raises(CheckpointError, match="cannot be read as a PyTorch state_dict"):
        read(str(tmp_path / "cut.pt"))


# --- trace and dispatch ----------------------------------------------------------------------------------------
def test_a_trace_step_is_a_checkpoint(tmp_path, cli):
    spec = ROOT / "tests" / "bad_inputs" / "adapter_ok.py"
    out = tmp_path / "t.h5"
    code, _, err = cli("record", spec, "--out", out, "--steps", "2", "--samples", "16")
    assert code == 0, err
    from parity.trace.reader import open_trace

    with open_trace(out) as trace:
        side = trace.side("A")
        rows = [side.read(i) for i in range(side.steps)]
    for spec_text, row in ((str(out), 2), (f"{out}@0", 0), (f"{out}@1", 1), (f"{out}@-1", 2)):
        ckpt = read(spec_text)
        assert ckpt.framework == "trace"
        for e in ckpt.entries:
            np.testing.assert_array_equal(e.array, rows[row][1][e.name])
    with pytest.raises(CheckpointError, match="the trace has no step 7; it holds steps 0 to 2"):
        read(f"{out}@7")


def test_unknown_and_missing_files(tmp_path):
    with pytest.raises(CheckpointError, match="no such file"):
        read(str(tmp_path / "nothing.caffemodel"))
    (tmp_path / "w.bin").write_bytes(b"\0")
    with pytest.raises(CheckpointError, match="cannot tell the checkpoint format"):
        read(str(tmp_path / "w.bin"))
