"""`parity check` runs a model's own training step and names `custom-step` when it is not the declared one."""

from conftest import CONFIGS

KERAS = CONFIGS / "custom_step" / "keras_train_step.py"


def test_a_keras_train_step_that_doubles_its_gradients_is_custom_step_at_step_1(check_json):
    code, report = check_json(KERAS, f"{KERAS}:build_plain", "--samples", "32", "--steps", "2")
    assert code == 1
    first = report["first_divergence"]
    assert (first["step"], first["quantity"]) == (1, "weight")
    cause = report["causes"][0]
    assert cause["code"] == "custom-step"
    assert cause["evidence"] == "at update 1, the update is 2.00× the declared optimizer's at every tensor"


def test_the_same_model_without_the_override_is_parity(check_json):
    code, report = check_json(f"{KERAS}:build_plain", f"{KERAS}:build_plain", "--samples", "32", "--steps", "2")
    assert code == 0 and report["status"] == "parity"
