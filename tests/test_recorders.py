"""Recorders for real frameworks, each diffed against `parity record` of the same run.

Keras (`model.fit`) and PyTorch run for real here; pycaffe runs against a stand-in with pycaffe's
interface that yields arrays parity's own engine computed; the MATLAB recorder runs under GNU
Octave with a stand-in vl_simplenn that yields arrays parity computed.
"""

import shutil
import subprocess
import sys
from collections import OrderedDict

import h5py
import numpy as np
import pytest
from conftest import CONFIGS, ROOT, STORY1

from parity import data
from parity.trace import open_trace

KERAS = STORY1 / "keras_mlp.py"
SOLVER = CONFIGS / "caffe_keras" / "solver.prototxt"
STORY2 = CONFIGS / "story2"


def _unit_mnist(count):
    samples = data.select(data.load(None, [(784,)], 10), count)
    return samples, (samples.x.reshape(count, -1) / 255.0).astype(np.float32)


# -- Keras: a plain model.fit ------------------------------------------------------------------------------

def _fit_trace(path, build, steps, x, y, samples):
    sys.path.insert(0, str(STORY1))
    try:
        import keras_mlp
    finally:
        sys.path.remove(str(STORY1))
    from parity.recorders.keras_callback import TraceRecorder, seeded_start

    model = getattr(keras_mlp, build)()
    seeded_start(model, seed=0)
    model.fit(x, y, batch_size=len(x), epochs=steps, shuffle=False, verbose=0,
              callbacks=[TraceRecorder(path, x, y, spec=f"keras_mlp.py:{build} (fit)",
                                       fingerprint=samples.fingerprint)])


def test_keras_fit_trace_diffs_as_parity_against_parity_record(cli, tmp_path):
    samples, x = _unit_mnist(256)
    y = np.eye(10, dtype=np.float32)[samples.y]
    recorded = tmp_path / "parity.h5"
    assert cli("record", f"{KERAS}:build_half", "--out", recorded, "--samples", "256", "--steps", "4")[0] == 0
    _fit_trace(tmp_path / "fit.h5", "build_half", 4, x, y, samples)
    code, out, err = cli("diff", recorded, tmp_path / "fit.h5")
    assert code == 0 and "PARITY over 4 steps" in out, out + err
    with open_trace(tmp_path / "fit.h5") as t:
        assert t.complete and t.side("A").steps == 5 and t.meta["writer"] == "keras-callback"
    # the same fit with the unhalved penalty parts from parity's record: the diff sees it and names it
    _fit_trace(tmp_path / "fit_build.h5", "build", 4, x, y, samples)
    code, out, _ = cli("diff", recorded, tmp_path / "fit_build.h5", "--json", tmp_path / "d.json")
    assert code == 1 and "DIVERGED at step 0" in out


def test_keras_seeded_start_is_the_contracts_draw():
    from parity.recorders.tracefile import seeded as standalone
    from parity.weights import seeded

    for index, role, shape in ((0, "kernel", (784, 30)), (1, "bias", (30,)), (2, "gamma", (8,)),
                               (3, "kernel", (3, 3, 1, 8))):
        np.testing.assert_array_equal(standalone(7, index, role, shape), seeded(7, index, role, shape))


# -- PyTorch: the user's own loop, hooked ------------------------------------------------------------------

def test_torch_trace_diffs_as_parity_against_parity_record(cli, tmp_path):
    import torch

    from parity.recorders.torch_hooks import TorchRecorder, seeded_start

    samples, x_np = _unit_mnist(256)
    x, y = torch.tensor(x_np), torch.tensor(np.eye(10, dtype=np.float32)[samples.y])
    model = torch.nn.Sequential(torch.nn.Linear(784, 30), torch.nn.Sigmoid(), torch.nn.Linear(30, 10),
                                torch.nn.Sigmoid())
    seeded_start(model, seed=0)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)  # keras_mlp.py's build_plain: SGD(0.5), mse, no penalty
    loss_fn = torch.nn.MSELoss()
    rec = TorchRecorder(tmp_path / "torch.h5", model, opt, loss_fn, x, y, spec="torch MLP",
                        fingerprint=samples.fingerprint)
    for _ in range(4):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    rec.close()
    recorded = tmp_path / "parity.h5"
    assert cli("record", f"{KERAS}:build_plain", "--out", recorded, "--samples", "256", "--steps", "4")[0] == 0
    code, out, err = cli("diff", recorded, tmp_path / "torch.h5")
    assert code == 0 and "PARITY over 4 steps" in out, out + err
    with open_trace(tmp_path / "torch.h5") as t:
        layouts = [tensor.layout for tensor in t.side("A").tensors]
        assert layouts == ["out,in", "", "out,in", ""] and t.side("A").steps == 5


def test_torch_flatten_layout_after_a_conv(tmp_path):
    import torch

    from parity.recorders.torch_hooks import TorchRecorder

    model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(),
                                torch.nn.Linear(4 * 6 * 6, 3))
    x, y = torch.randn(5, 1, 8, 8), torch.tensor([0, 1, 2, 0, 1])
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = torch.nn.CrossEntropyLoss()
    rec = TorchRecorder(tmp_path / "conv.h5", model, opt, loss_fn, x, y, activations=True)
    opt.zero_grad()
    loss_fn(model(x), y).backward()
    opt.step()
    rec.close()
    with open_trace(tmp_path / "conv.h5") as t:
        side = t.side("A")
        assert [tensor.layout for tensor in side.tensors] == ["out,in,h,w", "", "out,in(c,h,w:4,6,6)", ""]
        _, _, ev, lr = side.read(1)
        assert lr == pytest.approx(0.1) and ev.activations[0][1].shape == (5, 6, 6, 4)  # NHWC


# -- pycaffe: a stand-in with pycaffe's interface -----------------------------------------------------------

class _Blob:
    def __init__(self, data):
        self.data = np.array(data, dtype=np.float32)
        self.diff = np.zeros_like(self.data)

    def reshape(self, *shape):
        self.data = np.zeros(shape, np.float32)
        self.diff = np.zeros(shape, np.float32)


class _Layer:
    def __init__(self, kind):
        self.type = kind


class _StandInNet:
    """pycaffe's Net for configs/caffe_keras/net.prototxt, yielding the arrays of a parity trace:
    forward() sets the loss blob of the current iteration, backward() accumulates its gradients into
    the param diffs (as Caffe's Backward does)."""

    def __init__(self, trace, solver):
        side = trace.side("A")
        self.solver, self.states = solver, [side.read(i) for i in range(side.steps)]
        x = side.input().reshape(-1, 28, 28, 1).transpose(0, 3, 1, 2)
        n = len(x)
        self.blobs = OrderedDict([("data", _Blob(x)), ("label", _Blob(np.zeros(n))),
                                  ("conv1", _Blob(np.zeros((n, 8, 26, 26)))),
                                  ("pool1", _Blob(np.zeros((n, 8, 13, 13)))),
                                  ("ip1", _Blob(np.zeros((n, 10)))), ("loss", _Blob(0.0))])
        _, weights, _, _ = self.states[0]
        self.params = OrderedDict((layer, [_Blob(weights[f"{layer}/0"]), _Blob(weights[f"{layer}/1"])])
                                  for layer in ("conv1", "ip1"))
        self.layer_dict = OrderedDict([("data", _Layer("Input")), ("label", _Layer("Input")),
                                       ("conv1", _Layer("Convolution")), ("relu1", _Layer("ReLU")),
                                       ("pool1", _Layer("Pooling")), ("ip1", _Layer("InnerProduct")),
                                       ("loss", _Layer("SoftmaxWithLoss"))])
        self.bottom_names = OrderedDict([("conv1", ["data"]), ("relu1", ["conv1"]), ("pool1", ["conv1"]),
                                         ("ip1", ["pool1"]), ("loss", ["ip1", "label"])])
        self.top_names = OrderedDict([("conv1", ["conv1"]), ("pool1", ["pool1"]), ("ip1", ["ip1"]),
                                      ("loss", ["loss"])])
        self.inputs, self.outputs = ["data", "label"], ["loss"]
        self.tamper = None

    def _state(self):
        return self.states[self.solver.iter]

    def forward(self):
        _, _, ev, _ = self._state()
        self.blobs["loss"].data[...] = ev.loss_data
        return {"loss": self.blobs["loss"].data}

    def backward(self):
        _, _, ev, _ = self._state()
        for layer, blobs in self.params.items():
            for i, blob in enumerate(blobs):
                grad = ev.grads_data[f"{layer}/{i}"]
                if self.tamper == (self.solver.iter, f"{layer}/{i}"):
                    grad = grad * 1.01
                blob.diff += grad
        return {}


class _StandInSolver:
    """pycaffe's Solver: step(n) moves to the weights parity computed n updates later and leaves the
    update (not a gradient) in the diffs, as Caffe's ApplyUpdate does."""

    def __init__(self, trace):
        self.iter = 0
        self.net = _StandInNet(trace, self)

    def step(self, n):
        for _ in range(n):
            self.net.forward()
            self.net.backward()
            self.iter += 1
            _, weights, _, _ = self.net.states[self.iter]
            for layer, blobs in self.net.params.items():
                for i, blob in enumerate(blobs):
                    new = weights[f"{layer}/{i}"]
                    blob.diff[...] = blob.data - new
                    blob.data[...] = new


def test_pycaffe_trace_diffs_as_parity_against_parity_record(cli, tmp_path):
    from parity.recorders.pycaffe_record import record

    recorded = tmp_path / "parity.h5"
    code, _, err = cli("record", SOLVER, "--out", recorded, "--samples", "32", "--steps", "3")
    assert code == 0, err
    with open_trace(recorded) as t:
        solver = _StandInSolver(t)
    record(solver, tmp_path / "caffe.h5", steps=3, spec=str(SOLVER), activations=True)
    assert solver.iter == 3
    with open_trace(tmp_path / "caffe.h5") as t, open_trace(recorded) as p:
        assert [x.layout for x in t.side("A").tensors] == [x.layout for x in p.side("A").tensors] == [
            "out,in,h,w", "", "out,in(c,h,w:8,13,13)", ""]
    code, out, err = cli("diff", recorded, tmp_path / "caffe.h5")
    assert code == 0 and "PARITY over 3 steps" in out, out + err
    # a gradient one percent off at step 2 is found there
    with open_trace(recorded) as t:
        solver = _StandInSolver(t)
    solver.net.tamper = (2, "ip1/0")
    record(solver, tmp_path / "tampered.h5", steps=3)
    code, out, _ = cli("diff", recorded, tmp_path / "tampered.h5")
    assert code == 1 and "DIVERGED at step 2: gradient data, ip1" in out


# -- MATLAB / Octave --------------------------------------------------------------------------------------

STAND_IN_SIMPLENN = r"""
function res = vl_simplenn(net, x, dzdy, res, varargin)
% A stand-in for MatConvNet's vl_simplenn: the loss and gradients parity computed at each step,
% summed over the batch as vl_simplenn returns them.
global PARITY_KNOWN PARITY_CALL
k = PARITY_CALL ; PARITY_CALL = PARITY_CALL + 1 ;
n = size(x, 4) ;
res = struct('x', cell(1, numel(net.layers) + 1)) ;
p = 0 ;
for l = 1:numel(net.layers)
  res(l).dzdw = {} ;
  if isfield(net.layers{l}, 'weights')
    for j = 1:numel(net.layers{l}.weights)
      w = net.layers{l}.weights{j} ;
      res(l).dzdw{j} = single(n) * reshape(read_f32(sprintf('%s/g_%d_%d.f32', PARITY_KNOWN, k, p)), size(w)) ;
      p = p + 1 ;
    end
  end
end
res(end).x = single(n) * read_f32(sprintf('%s/loss_%d.f32', PARITY_KNOWN, k)) ;
end

function a = read_f32(path)
fid = fopen(path, 'r', 'ieee-le') ; a = fread(fid, Inf, 'float32=>single') ; fclose(fid) ;
end
"""

RUN_RECORDER = r"""
global PARITY_KNOWN PARITY_CALL
PARITY_KNOWN = 'known' ; PARITY_CALL = 0 ;
addpath('{recorders}') ; addpath('{story2}') ;
net = equivalent_init() ;
p = 0 ;
for l = 1:numel(net.layers)
  if isfield(net.layers{{l}}, 'weights')
    for j = 1:numel(net.layers{{l}}.weights)
      w = net.layers{{l}}.weights{{j}} ;
      net.layers{{l}}.weights{{j}} = reshape(read_f32(sprintf('known/start_%d.f32', p)), size(w)) ;
      p = p + 1 ;
    end
  end
end
x = reshape(read_f32('known/x.f32'), 28, 28, 1, []) ;
labels = read_f32('known/labels.f32')' ;
parity_record_simplenn(net, x, labels, 'recorded', 'steps', {steps}, 'spec', 'equivalent_init.m') ;
"""

READ_F32 = r"""
function a = read_f32(path)
fid = fopen(path, 'r', 'ieee-le') ; a = fread(fid, Inf, 'float32=>single') ; fclose(fid) ;
end
"""


def _f32(path, array):
    np.asarray(array, "<f4").flatten(order="F").tofile(path)  # MATLAB's column-major order


def _known_arrays(trace_path, folder, samples_npz, count):
    """What the stand-in vl_simplenn yields: parity's gradients and losses per step, its step 0 weights,
    the input (H x W x C x N) and the 1-based labels, as raw column-major float32."""
    folder.mkdir()
    with open_trace(trace_path) as t:
        side = t.side("A")
        for k in range(side.steps):
            _, weights, ev, _ = side.read(k)
            for i, tensor in enumerate(side.tensors):
                _f32(folder / f"g_{k}_{i}.f32", ev.grads_data[tensor.key])
                if k == 0:
                    _f32(folder / f"start_{i}.f32", weights[tensor.key])
            _f32(folder / f"loss_{k}.f32", [ev.loss_data])
        x = side.input()
    _f32(folder / "x.f32", x.reshape(len(x), 28, 28, 1).transpose(1, 2, 3, 0))
    _f32(folder / "labels.f32", np.load(samples_npz)["y"][:count] + 1)


def test_matlab_recorder_under_octave_diffs_as_parity(cli, tmp_path):
    octave = shutil.which("octave-cli")
    # never skipped: `make test` installs Octave first (make octave), so a missing one is a failure
    assert octave is not None, "GNU Octave is missing: run `make octave` (make test does) and rerun"
    steps, count, npz = 3, 16, STORY2 / "mnist_two_classes.npz"
    recorded = tmp_path / "parity.h5"
    code, _, err = cli("record", STORY2 / "equivalent_init.m", "--data", npz, "--samples", count,
                       "--steps", steps, "--out", recorded)
    assert code == 0, err
    _known_arrays(recorded, tmp_path / "known", npz, count)
    (tmp_path / "vl_simplenn.m").write_text(STAND_IN_SIMPLENN)
    (tmp_path / "read_f32.m").write_text(READ_F32)
    (tmp_path / "run_recorder.m").write_text(RUN_RECORDER.format(
        recorders=ROOT / "parity" / "recorders" / "matconvnet", story2=STORY2, steps=steps))
    done = subprocess.run([octave, "--no-init-file", "--quiet", "run_recorder.m"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    manifest = (tmp_path / "recorded" / "manifest.txt").read_text()
    assert "meta framework GNU Octave" in manifest and manifest.rstrip().endswith("end")
    code, out, err = cli("import-matlab", tmp_path / "recorded", "--out", tmp_path / "octave.h5")
    assert code == 0, err
    code, out, err = cli("diff", recorded, tmp_path / "octave.h5")
    assert code == 0 and f"PARITY over {steps} steps" in out, out + err


def _write_folder(folder, steps=2, end=True):
    """A folder in the MATLAB recorder's format, written the way its fwrite/fprintf write it."""
    folder.mkdir()
    rng = np.random.default_rng(1)
    w, b = rng.normal(size=(3, 3, 1, 2)).astype(np.float32), np.zeros(2, np.float32)
    lines = ["parity-matlab-trace 1", "meta framework test", "meta steps %d" % steps, "meta samples 4",
             "tensor 0 conv1 kernel h,w,in,out 4 3 3 1 2", "tensor 1 conv1 bias - 1 2"]
    x = rng.random((5, 5, 1, 4)).astype(np.float32)
    _f32(folder / "input.f32", x)
    lines.append("input input.f32 4 5 5 1 4")
    for step in range(steps + 1):
        _f32(folder / f"w_{step}_0.f32", w + step)
        _f32(folder / f"w_{step}_1.f32", b + step)
        _f32(folder / f"g_{step}_0.f32", w * 0.1)
        _f32(folder / f"g_{step}_1.f32", b + 0.5)
        lines.append(f"step {step} {1.0 / (step + 1):.17g} 0.05")
    if end:
        lines.append("end")
    (folder / "manifest.txt").write_text("\n".join(lines) + "\n")
    return w, x


def test_import_matlab_folder_round_trip(cli, tmp_path):
    w, x = _write_folder(tmp_path / "m")
    code, out, err = cli("import-matlab", tmp_path / "m", "--out", tmp_path / "m.h5")
    assert code == 0 and "steps 0..2" in out, err
    with open_trace(tmp_path / "m.h5") as t:
        side = t.side("A")
        assert t.complete and side.steps == 3 and side.separates_terms
        assert [(s.key, s.role, s.shape, s.layout) for s in side.tensors] == [
            ("conv1/0", "kernel", (3, 3, 1, 2), "h,w,in,out"), ("conv1/1", "bias", (2,), "")]
        step, weights, ev, lr = side.read(2)
        np.testing.assert_array_equal(weights["conv1/0"], w + 2)
        assert ev.loss_data == pytest.approx(1 / 3) and lr == pytest.approx(0.05)
        np.testing.assert_array_equal(side.input().reshape(4, 5, 5, 1), x.transpose(3, 0, 1, 2))


def test_import_matlab_bad_folders_exit_2(cli, tmp_path):
    _write_folder(tmp_path / "cut")
    raw = (tmp_path / "cut" / "w_1_0.f32").read_bytes()
    (tmp_path / "cut" / "w_1_0.f32").write_bytes(raw[:10])
    code, _, err = cli("import-matlab", tmp_path / "cut", "--out", tmp_path / "cut.h5")
    assert code == 2 and "w_1_0.f32" in err and "truncated" in err
    (tmp_path / "newer").mkdir()
    (tmp_path / "newer" / "manifest.txt").write_text("parity-matlab-trace 9\n")
    code, _, err = cli("import-matlab", tmp_path / "newer", "--out", tmp_path / "n.h5")
    assert code == 2 and "newer" in err and "manifest.txt" in err
    code, _, err = cli("import-matlab", tmp_path / "nowhere", "--out", tmp_path / "n.h5")
    assert code == 2 and "not a folder" in err


def test_import_matlab_unfinished_folder_is_an_incomplete_trace(cli, tmp_path):
    _write_folder(tmp_path / "m", end=False)
    code, out, _ = cli("import-matlab", tmp_path / "m", "--out", tmp_path / "m.h5")
    assert code == 0 and "incomplete" in out
    with h5py.File(tmp_path / "m.h5") as f:
        assert not f.attrs["complete"]
