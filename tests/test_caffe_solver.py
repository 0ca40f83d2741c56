"""Caffe's solvers against real Caffe, and its lr policies against the formulas in its source.

The reference folders hold what a CPU build of BVLC/caffe 9b89154 computed; feeding its own
diffs g/0..g/9 to the emulated solver from w/0 must give back its w/1..w/10. Line numbers
below are src/caffe/solvers/sgd_solver.cpp at 9b89154 unless a file is named.
"""

import functools
import math
from pathlib import Path

import numpy as np
import pytest

from parity import lazy
from parity.dialects.caffe.prototxt import parse_file
from parity.engines.caffe_solver import CaffeSolver, learning_rate
from parity.errors import SpecError

tf = lazy.tensorflow()

REF = Path(__file__).resolve().parent / "data" / "caffe-reference"
# Listed, not globbed: a folder that goes missing must fail, not shrink the test.
FOLDERS = ["sgd_momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam",
           "lr_step", "lr_exp", "lr_inv", "lr_multistep", "lr_poly", "lr_sigmoid",
           "l1_decay", "multipliers", "clip_gradients", "pool_clip_rule", "dag_batchnorm",
           "euclidean_sigmoid"]
HYPER = ("momentum", "momentum2", "delta", "rms_decay", "weight_decay", "regularization_type",
         "clip_gradients", "iter_size")
POLICY = ("lr_policy", "base_lr", "gamma", "power", "stepsize", "max_iter")
STEPS = 10


def rel_err(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    scale = max(np.linalg.norm(a), np.linalg.norm(b))
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


@functools.lru_cache(maxsize=None)
def load_case(folder):
    """(solver type, hyper, policy, [(key, lr_mult, decay_mult)], trajectory) of a folder."""
    solver = parse_file(REF / folder / "solver.prototxt")
    net = parse_file(REF / folder / "net.prototxt")
    traj = dict(np.load(REF / folder / "trajectory.npz"))
    blobs = []
    for layer in net.get_all("layer"):
        if layer.get("type") == "BatchNorm":
            continue  # its blobs are running statistics, moved by forward passes only
        name, specs = layer.get("name"), layer.get_all("param")
        i = 0
        while f"w/0/{name}/{i}" in traj:
            spec = specs[i] if i < len(specs) else None  # no param{} block: net.cpp:440
            blobs.append((f"{name}/{i}", spec.get("lr_mult", 1.0) if spec else 1.0,
                          spec.get("decay_mult", 1.0) if spec else 1.0))
            i += 1
    assert blobs, f"{folder}: no parameter blobs found in trajectory.npz"
    hyper = {k: solver.get(k) for k in HYPER if solver.has(k)}
    policy = {k: solver.get(k) for k in POLICY if solver.has(k)}
    policy["stepvalue"] = solver.get_all("stepvalue")
    return solver.get("type", "SGD"), hyper, policy, blobs, traj


def replay(folder, dtype, traced=False):
    """Run the emulated solver on Caffe's diffs: (worst relative error per tensor, traces)."""
    kind, hyper, policy, blobs, traj = load_case(folder)
    solver = CaffeSolver(kind, hyper, [b[1] for b in blobs], [b[2] for b in blobs], dtype)
    params = [tf.Variable(traj[f"w/0/{key}"].astype(dtype)) for key, _, _ in blobs]
    solver.build(params)
    step = functools.partial(solver.apply, params)
    if traced:
        # rate and iteration as tensors: one trace must serve every step.
        fn = tf.function(lambda grads, rate, it: solver.apply(params, grads, rate, it))
        step = lambda grads, rate, it: fn([tf.constant(g) for g in grads],  # noqa: E731
                                          tf.constant(rate, dtype), tf.constant(it, tf.int64))
    worst = 0.0
    for k in range(STEPS):
        step([traj[f"g/{k}/{key}"].astype(dtype) for key, _, _ in blobs],
             learning_rate(policy, k), k)
        for (key, _, _), p in zip(blobs, params):
            worst = max(worst, rel_err(p.numpy(), traj[f"w/{k + 1}/{key}"]))
    return worst, (fn.experimental_get_tracing_count() if traced else None)


@pytest.mark.parametrize("dtype,tol", [("float32", 1e-5), ("float64", 1e-6)])
@pytest.mark.parametrize("folder", FOLDERS)
def test_matches_real_caffe(folder, dtype, tol):
    # float32 lands within ~1e-7 of Caffe; float64 differs by Caffe's own float32 rounding.
    worst, _ = replay(folder, dtype)
    assert worst <= tol, f"{folder} {dtype}: worst relative error {worst:.3g} > {tol}"


@pytest.mark.parametrize("folder", ["adam", "multipliers"])
def test_one_traced_function_serves_every_step(folder):
    worst, traces = replay(folder, "float32", traced=True)
    assert worst <= 1e-5
    assert traces == 1


# Learning-rate policies, by hand from GetLearningRate (inputs exact in float32) ------------

@pytest.mark.parametrize("policy,iteration,expected", [
    # :31 "rate = this->param_.base_lr();"
    ({"lr_policy": "fixed", "base_lr": 0.5}, 7, 0.5),
    # :34 "this->current_step_ = this->iter_ / this->param_.stepsize();" (integer division)
    ({"lr_policy": "step", "base_lr": 0.5, "gamma": 0.25, "stepsize": 3}, 2, 0.5),
    ({"lr_policy": "step", "base_lr": 0.5, "gamma": 0.25, "stepsize": 3}, 3, 0.125),
    ({"lr_policy": "step", "base_lr": 0.5, "gamma": 0.25, "stepsize": 3}, 5, 0.125),
    ({"lr_policy": "step", "base_lr": 0.5, "gamma": 0.25, "stepsize": 3}, 6, 0.03125),
    # :40 "rate = this->param_.base_lr() * pow(this->param_.gamma(), this->iter_);"
    ({"lr_policy": "exp", "base_lr": 0.5, "gamma": 0.5}, 0, 0.5),
    ({"lr_policy": "exp", "base_lr": 0.5, "gamma": 0.5}, 3, 0.0625),
    # :43-45 "pow(Dtype(1) + this->param_.gamma() * this->iter_, - this->param_.power())"
    ({"lr_policy": "inv", "base_lr": 0.5, "gamma": 0.25, "power": 0.75}, 4, 0.5 * 2.0 ** -0.75),
    # :57-59 "pow(Dtype(1.) - (Dtype(this->iter_) / Dtype(this->param_.max_iter())), power)"
    ({"lr_policy": "poly", "base_lr": 0.5, "power": 2, "max_iter": 8}, 2, 0.5 * 0.75 ** 2),
    ({"lr_policy": "poly", "base_lr": 0.5, "power": 2, "max_iter": 8}, 8, 0.0),
    # :63-65 "(Dtype(1.) / (Dtype(1.) + exp(-gamma * (Dtype(this->iter_) - Dtype(stepsize)))))"
    ({"lr_policy": "sigmoid", "base_lr": 0.5, "gamma": 0.5, "stepsize": 4}, 4, 0.25),
    ({"lr_policy": "sigmoid", "base_lr": 0.5, "gamma": 0.5, "stepsize": 4}, 6, 0.5 / (1 + math.exp(-1))),
])
def test_learning_rate_policies(policy, iteration, expected):
    assert learning_rate(policy, iteration) == pytest.approx(expected, rel=1e-12, abs=0)


def test_multistep_moves_at_most_one_step_per_update():
    # :47-49 "if (current_step_ < stepvalue_size() && iter_ >= stepvalue(current_step_))
    # current_step_++;" -- one `if`, not a `while`: the second of two equal stepvalues
    # is passed one update later, and an unsorted list is walked in file order.
    policy = {"lr_policy": "multistep", "base_lr": 1.0, "gamma": 0.5, "stepvalue": [2, 2, 5]}
    rates = [learning_rate(policy, i) for i in range(7)]
    assert rates == [1.0, 1.0, 0.5, 0.25, 0.25, 0.125, 0.125]
    unsorted = {**policy, "stepvalue": [5, 2]}
    assert [learning_rate(unsorted, i) for i in (4, 5, 6)] == [1.0, 0.5, 0.25]


def test_policy_constants_are_proto_floats():
    # caffe.proto:146 "optional float base_lr = 5;" -- float even in a double build.
    assert learning_rate({"lr_policy": "fixed", "base_lr": 0.01}, 0) == float(np.float32(0.01))


@pytest.mark.parametrize("policy", [
    {"base_lr": 0.1},                                               # :67 no lr_policy at all
    {"lr_policy": "cosine", "base_lr": 0.1},                        # :67 unknown
    {"lr_policy": "step", "base_lr": 0.1, "gamma": 0.5},            # :33 CHECK_GT(stepsize, 0)
    {"lr_policy": "sigmoid", "base_lr": 0.1, "gamma": 0.5},         # :62 CHECK_GT(stepsize, 0)
    {"lr_policy": "exp", "base_lr": 0.1, "gamma": -0.5},            # :39 CHECK_GE(gamma, 0)
])
def test_learning_rate_rejects_what_caffe_rejects(policy):
    with pytest.raises(SpecError):
        learning_rate(policy, 0)


# The update pipeline, by hand (the reference nets never exceed clip_gradients: their global
# diff norm stays below 0.2 against a clip of 0.5) ----------------------------------------

def one_step(kind, hyper, weights, grads, rate=1.0, lr_mults=None, decay_mults=None, steps=1):
    lr_mults = lr_mults or [1.0] * len(weights)
    solver = CaffeSolver(kind, hyper, lr_mults, decay_mults or [1.0] * len(weights), "float64")
    params = [tf.Variable(np.array(w, np.float64)) for w in weights]
    solver.build(params)
    for k in range(steps):
        solver.apply(params, [np.array(g, np.float64) for g in grads], rate, k)
    return [p.numpy() for p in params], solver.state()


@pytest.mark.parametrize("clip,iter_size,expected", [
    (1.0, 1, ([-0.3, 0.0], [-0.4])),   # :97-98 norm 5 > 1: every diff × 1/5
    (5.0, 1, ([-1.5, 0.0], [-2.0])),   # :97 "if (l2norm_diff > clip_gradients)": equal is kept
    (2.0, 2, ([-0.6, 0.0], [-0.8])),   # :115 then :134: clip the sum (×0.4), then halve it
])
def test_clip_gradients_global_norm_before_normalize(clip, iter_size, expected):
    weights, _ = one_step("SGD", {"clip_gradients": clip, "iter_size": iter_size},
                          [[0.0, 0.0], [0.0]], [[3.0, 0.0], [4.0]], rate=0.5 * iter_size)
    for got, want in zip(weights, expected):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_l1_decay_uses_sign_with_sign_of_zero_zero():
    # :173-179 caffe_cpu_sign then axpy; math_functions.hpp:115 "(Dtype(0) < val) - (val < Dtype(0))"
    (w,), _ = one_step("SGD", {"weight_decay": 0.5, "regularization_type": "L1"},
                       [[-2.0, 0.0, 3.0]], [[0.0, 0.0, 0.0]], rate=0.25, decay_mults=[2.0])
    np.testing.assert_allclose(w, [-1.75, 0.0, 2.75], rtol=1e-12)


def test_lr_mult_zero_freezes_weights_but_decay_still_feeds_the_history():
    # net.cpp:149: no backward for the blob, so its diff stays 0 whatever is passed in;
    # :165-171 still adds λ·w (=1), Adam's m, v take it, and ×local_rate 0 leaves w alone.
    (w,), state = one_step("Adam", {"weight_decay": 0.5, "momentum": 0.5, "momentum2": 0.75},
                           [[2.0]], [[5.0]], lr_mults=[0.0])
    assert w.tolist() == [2.0]
    np.testing.assert_allclose(state, [[0.5], [0.25]], rtol=1e-12)  # [m, v]: history_ order


def test_adadelta_lr_scales_only_the_final_step():
    # adadelta_solver.cpp:82-89: h2 is updated with the unscaled step, then "apply learning
    # rate". The reference run uses base_lr 1, which cannot tell the two orders apart.
    (w,), (h, h2) = one_step("AdaDelta", {"momentum": 0.5, "delta": 0.25}, [[0.0]], [[1.0]], rate=0.5)
    np.testing.assert_allclose(w, [-0.5 * math.sqrt(0.25 / 0.75)], rtol=1e-12)
    np.testing.assert_allclose([h[0], h2[0]], [0.5, 0.5 * (0.25 / 0.75)], rtol=1e-12)


def test_iter_size_averages_the_summed_diffs():
    # :131-134 "Dtype(1.) / this->param_.iter_size()" scales the accumulated diff.
    (w,), _ = one_step("SGD", {"iter_size": 4}, [[0.0]], [[2.0]], rate=1.0)
    np.testing.assert_allclose(w, [-0.5], rtol=1e-12)


def test_set_state_restores_the_history():
    solver = CaffeSolver("Adam", {"momentum": 0.9}, [1.0, 1.0], [1.0, 1.0], "float32")
    solver.build([tf.Variable(np.zeros((2, 3), np.float32)), tf.Variable(np.zeros(3, np.float32))])
    history = [np.full((2, 3), 1.0), np.full(3, 2.0), np.full((2, 3), 3.0), np.full(3, 4.0)]
    solver.set_state(history)
    for got, want in zip(solver.state(), history):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name,expected", [
    ("SGD", "SGD"), ("Nesterov", "Nesterov"), ("NESTEROV", "Nesterov"), ("ADAGRAD", "AdaGrad"),
    ("RMSPROP", "RMSProp"), ("ADADELTA", "AdaDelta"), ("ADAM", "Adam"), (5, "Adam"),
])
def test_solver_type_names(name, expected):
    # upgrade_proto.cpp:1048-1066 maps the legacy solver_type enum onto the type strings.
    assert CaffeSolver(name, {}, [], [], "float32").solver_type == expected


@pytest.mark.parametrize("kind,hyper", [
    ("sgd", {}),                                           # solver_factory.hpp:76, case-sensitive
    ("RMSProp", {"momentum": 0.9}),                        # sgd_solvers.hpp:96
    ("RMSProp", {"rms_decay": 1.0}),                       # sgd_solvers.hpp:100
    ("AdaGrad", {"momentum": 0.9}),                        # sgd_solvers.hpp:76
    ("SGD", {"weight_decay": 0.1, "regularization_type": "L3"}),  # :181
    ("SGD", {"learning_rate": 0.1}),                       # not a Caffe solver setting
])
def test_solver_rejects_what_caffe_rejects(kind, hyper):
    with pytest.raises(SpecError):
        CaffeSolver(kind, hyper, [1.0], [1.0], "float32")


def test_unknown_regularization_is_harmless_without_decay():
    # :165 "if (local_decay)": the type is never looked at when nothing decays.
    CaffeSolver("SGD", {"regularization_type": "L3"}, [1.0], [1.0], "float32")
