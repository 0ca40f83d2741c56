"""A Caffe net and its Keras twin: parity when equivalent, and each planted difference named."""

from conftest import CONFIGS

CK = CONFIGS / "caffe_keras"
KERAS, SOLVER = CK / "keras_model.py", CK / "solver.prototxt"
FEW = ("--samples", "128")


def test_caffe_weight_decay_is_keras_l2_half_lambda_on_kernels_and_biases(check_json):
    code, report = check_json(KERAS, SOLVER, "--steps", "50", *FEW)
    assert code == 0, report["first_divergence"]
    assert report["steps_run"] == 50


def test_keras_optimizer_weight_decay_is_decoupled_and_parts_at_step_two(check_json):
    code, report = check_json(f"{KERAS}:build_decoupled", SOLVER, "--steps", "4", *FEW)
    assert code == 1
    assert report["first_divergence"]["step"] == 2
    assert report["causes"][0]["code"] == "decoupled-decay"


def test_bias_lr_mult_two_is_an_lr_multiplier_on_the_biases(check_json):
    code, report = check_json(KERAS, CK / "solver_bias_lr2.prototxt", "--steps", "3", *FEW)
    assert code == 1
    first = report["first_divergence"]
    assert (first["step"], first["quantity"], first["param"]) == (1, "weight", "bias")
    cause = report["causes"][0]
    assert cause["code"] == "lr-multiplier" and "2×" in cause["message"] and "lr_mult" in cause["fix"]
    assert [c["code"] for c in report["causes"]] == ["lr-multiplier"]


def test_caffe_decaying_biases_is_bias_decay(check_json):
    code, report = check_json(f"{KERAS}:build_kernel_only", SOLVER, "--steps", "3", *FEW)
    assert code == 1
    assert report["first_divergence"]["param"] == "bias"
    cause = report["causes"][0]
    assert cause["code"] == "bias-decay" and "decay_mult: 0" in cause["fix"]
    assert "0.0005" in cause["message"] or "0.0004" in cause["message"]


def test_a_step_schedule_parts_the_sides_exactly_where_the_rates_first_differ(check_json):
    # stepsize 3: updates 1-3 use base_lr on both sides, update 4 uses base_lr·gamma on the Caffe side
    code, report = check_json(KERAS, CK / "solver_step.prototxt", "--steps", "6", *FEW)
    assert code == 1
    assert report["first_divergence"]["step"] == 4
    cause = report["causes"][0]
    assert cause["code"] == "lr-schedule" and "0.05 on side A and 0.005 on side B" in cause["message"]
