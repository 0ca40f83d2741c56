"""The MatConvNet emulation against real MatConvNet v1.0-beta25 (vl_simplenn + cnn_train, CPU, under
Octave): for each reference net, parity's loader reads the `.m` file, the engine starts from the
recorded weights and reproduces the step-0 activations of every layer, the step-0 gradients, and
the weights and objective after every one of the 10 full-batch epochs, to float32 noise.

The trajectories and what they hold: tests/data/matconvnet-reference/README.md. MatConvNet's
arrays are H×W×C×N (activations), filters H×W×(C/G)×K, biases 1×K; `g/0` is the gradient of
the loss summed over the batch (beta25's vl_nnloss sums), parity's is of the per-sample
objective, hence the factor N.
"""

from pathlib import Path

import numpy as np
import pytest

import parity.dialects.matconvnet.loader as matconvnet_loader
from parity.engines.factory import make_engine
from parity.engines.matconvnet_graph import CnnTrainSGD

REFERENCE = Path(__file__).resolve().parent / "data" / "matconvnet-reference"
CASES = ["basic", "groups", "schedule", "nesterov"]
EPOCHS = 10
TOLERANCE = 1e-5  # float32 noise; the worst measured is ~1.5e-6 (conv1's filter gradient)


def rel_error(a, b):
    a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    scale = max(np.linalg.norm(a), np.linalg.norm(b))
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


def reference(case):
    folder = REFERENCE / case
    spec, data = folder / f"{case}_init.m", folder / "trajectory.npz"
    assert spec.is_file() and data.is_file(), f"missing reference files in {folder}"
    return spec, np.load(data)


def start(case, dtype="float32", solver=None):
    """An engine for the case at its recorded starting weights, with the samples as parity feeds them."""
    spec, ref = reference(case)
    side = matconvnet_loader.load_m(spec)
    engine = make_engine(side, "A", dtype)
    if solver is not None:  # before the first update traces the step
        engine.solver = solver(engine)
        engine.solver.build(engine._train)
    state = {}
    for layer in side.description.layers:
        for i, _ in enumerate(layer.params):
            state[f"{layer.name}/{i}"] = ref[f"w/0/{layer.name}/{i + 1}"]  # J = i + 1: 1 filters, 2 biases
    engine.set_state(state)
    x = ref["x"][..., None].astype(np.float64)  # one sample is H×W×C: MatConvNet's permute(x, [H W 1 N])
    return side, engine, ref, x, ref["y"].astype(int)


def ref_key(key):
    layer, index = key.rsplit("/", 1)
    return f"{layer}/{int(index) + 1}"


@pytest.fixture(scope="module", params=CASES)
def run(request):
    """One full trajectory per case: step-0 blobs and evaluation, then weights and objective per epoch."""
    side, engine, ref, x, y = start(request.param)
    blobs = engine.blobs(x, y)
    first = engine.evaluate(x, y)
    objectives, weights = [first.loss_total], []
    for _ in range(EPOCHS):
        engine.update()
        weights.append(engine.get_weights())
        objectives.append(engine.evaluate(x, y).loss_total)
    return {"case": request.param, "side": side, "engine": engine, "ref": ref, "x": x, "blobs": blobs,
            "grads": first.grads_total, "objectives": objectives, "weights": weights}


def test_step0_activations_of_every_layer(run):
    ref, desc, n = run["ref"], run["side"].description, len(run["x"])
    recorded = sorted(k for k in ref.files if k.startswith("act0/"))
    blobs = [desc.input.blob] + [layer.outputs[0] for layer in desc.layers]
    assert [k.split("_", 1)[1] for k in recorded[1:]] == [layer.name for layer in desc.layers]
    for key, blob in zip(recorded, blobs):
        expected, actual = ref[key], run["blobs"][blob]
        if expected.ndim == 4:
            expected = expected.transpose(3, 0, 1, 2)  # H×W×C×N -> N×H×W×C
            assert actual.shape == expected.shape, key
        else:  # the loss: beta25's vl_nnsoftmaxloss sums, parity's blob is cnn_train's objective (sum / N)
            actual = actual * n
        assert rel_error(expected, actual) <= TOLERANCE, (key, rel_error(expected, actual))


def test_step0_gradients(run):
    ref, n = run["ref"], len(run["x"])
    assert len(run["grads"]) == len([k for k in ref.files if k.startswith("g/0/")])
    for key, grad in run["grads"].items():
        expected = ref[f"g/0/{ref_key(key)}"]
        assert rel_error(expected, n * grad.reshape(expected.shape)) <= TOLERANCE, key


def test_weights_after_every_epoch(run):
    ref = run["ref"]
    for epoch, weights in enumerate(run["weights"], start=1):
        for key, value in weights.items():
            expected = ref[f"w/{epoch}/{ref_key(key)}"]
            err = rel_error(expected, value.reshape(expected.shape))
            assert err <= TOLERANCE, (epoch, key, err)
            moved = rel_error(ref[f"w/{epoch}/{ref_key(key)}"], ref[f"w/{epoch - 1}/{ref_key(key)}"])
            assert moved > 10 * TOLERANCE, ("each epoch moves every tensor more than the tolerance", epoch, key)


def test_objective_of_every_epoch(run):
    # cnn_train's objective for epoch K is the per-sample loss at the weights before that epoch's update
    expected = run["ref"]["objective"]
    assert len(expected) == EPOCHS
    assert rel_error(expected, run["objectives"][:EPOCHS]) <= TOLERANCE
    assert np.allclose(expected, run["objectives"][:EPOCHS], rtol=1e-5, atol=0)


def test_groups_case_is_grouped():
    side, *_ = start("groups")
    conv2 = next(layer for layer in side.description.layers if layer.name == "conv2")
    assert conv2.attrs["group"] == 2 and conv2.params[0].shape == (3, 3, 4, 12)


class _RateInsideVelocity(CnnTrainSGD):
    """Keras/Caffe's placement of the rate: v ← μ·v − lr·g'; w ← w + v."""

    def apply(self, variables, grads, rate, iteration):
        for w, g, v, mult in zip(variables, grads, self.velocity, self.lr_mults):
            v.assign(self.momentum * v - rate * mult * g)
            w.assign(w + v)


def test_schedule_pins_where_the_rate_enters():
    """The two momentum rules agree while the rate is constant (0.05 for epochs 1-3) and part at the
    first update with a new rate (epoch 4): v₄ = μv₃ − g against v₄' = μ·0.05·v₃ − 0.01·g."""
    first_new_rate = 1 + next(i for i, r in enumerate(np.repeat([0.05, 0.01, 0.002], [3, 3, 4])) if r != 0.05)
    assert first_new_rate == 4
    side, engine, ref, x, y = start("schedule", solver=lambda e: _RateInsideVelocity(0.9, False, [
        p.lr_mult for layer in e.desc.layers for p in layer.params], [], e.dtype))
    errors = []
    for epoch in range(1, first_new_rate + 1):
        engine.evaluate(x, y)
        engine.update()
        weights = engine.get_weights()
        errors.append(max(rel_error(ref[f"w/{epoch}/{ref_key(k)}"], v.reshape(ref[f"w/{epoch}/{ref_key(k)}"].shape))
                          for k, v in weights.items()))
    assert max(errors[:first_new_rate - 1]) <= TOLERANCE, errors
    assert errors[first_new_rate - 1] > 100 * TOLERANCE, errors
