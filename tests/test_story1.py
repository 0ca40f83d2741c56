"""Story 1 end to end: Keras l2(λ) against a NumPy net with ½λΣw², and the planted causes."""

import textwrap

from conftest import STORY1

KERAS = STORY1 / "keras_mlp.py"
NUMPY = STORY1 / "numpy_net.py"


def test_story1_zero_weights_diverges_one_step_later_with_factor_two(demo_story):
    code, _, _, report, _ = demo_story("story1")  # --weights zeros --steps 20, as make demo runs it
    assert code == 1
    first = report["first_divergence"]
    # With zero weights the penalty and its gradient vanish at step 0: the first update agrees.
    assert first["step"] == 1
    cause = report["causes"][0]
    assert cause["code"] == "l2-convention"
    assert "factor of 2" in cause["message"]
    assert "kernel" in cause["evidence"] and "L2(0.0005)" in cause["fix"] and "2λ" in cause["fix"]
    diverged = [t for t in report["tensors_at_first_divergence"] if t["rel_error"] and t["rel_error"] > t["tolerance"]]
    assert {t["param"] for t in diverged if t["quantity"] == "gradient"} == {"kernel"}


def test_story1_seeded_weights_diverge_at_step_zero(check_json):
    code, report = check_json(KERAS, NUMPY, "--steps", "3")
    assert code == 1
    assert report["first_divergence"]["step"] == 0
    assert report["causes"][0]["code"] == "l2-convention"
    kernels = report["causes"][0]["evidence"]
    assert "W1" not in kernels or "kernel" in kernels  # reported by Keras layer and param
    assert "bias" in kernels.split("agree within tolerance:")[1]


def test_equivalent_pair_float32_against_float64_is_parity_over_50_steps(check_json):
    code, report = check_json(f"{KERAS}:build_half", NUMPY, "--steps", "50")
    assert code == 0, report["first_divergence"]
    assert report["status"] == "parity" and report["steps_run"] == 50
    assert report["first_divergence"] is None


def test_learning_rate_off_by_a_tenth_of_a_percent_diverges(check_json, tmp_path):
    spec = tmp_path / "keras_lr.py"
    spec.write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(STORY1)!r})
        import keras_mlp
        keras_mlp.LR = keras_mlp.LR * 1.001

        def build():
            return keras_mlp.build_half()
    """))
    code, report = check_json(spec, f"{KERAS}:build_half", "--steps", "50")
    assert code == 1
    assert report["first_divergence"]["quantity"] == "weight"


def test_planted_penalty_on_one_side_only_is_weight_decay(check_json):
    code, report = check_json(KERAS, f"{NUMPY}:build_plain", "--steps", "2")
    assert code == 1
    assert report["causes"][0]["code"] == "weight-decay"
    assert "side B does not" in report["causes"][0]["message"]


def test_planted_sum_against_mean_is_loss_reduction(check_json):
    code, report = check_json(f"{KERAS}:build_plain", f"{NUMPY}:build_summed", "--steps", "2")
    assert code == 1
    cause = report["causes"][0]
    assert cause["code"] == "loss-reduction"
    assert "Side B" in cause["message"] and "N = 3000" in cause["message"]


def test_planted_wrong_bias_gradient_is_gradient_bug_on_the_adapter(check_json):
    code, report = check_json(f"{KERAS}:build_plain", f"{NUMPY}:build_bad_grad", "--steps", "2")
    assert code == 1
    first = report["first_divergence"]
    assert (first["step"], first["quantity"], first["layer_b"], first["param"]) == (0, "gradient", "b2", "bias")
    cause = report["causes"][0]
    assert cause["code"] == "gradient-bug" and "Side B" in cause["message"] and "'b2'" in cause["message"]


def test_zero_weights_float32_noise_is_measured_not_called_a_cause(check_json):
    # Zero weights make float32 sums degenerate (rel_error ~1.7e-5 on the output bias gradient):
    # the float64 rerun measures that noise and the equivalent pair stays parity.
    code, report = check_json(f"{KERAS}:build_half", NUMPY, "--weights", "zeros", "--steps", "5")
    assert code == 0, report["first_divergence"]
    assert any("float64" in note for note in report["notes"])
    assert [c["code"] for c in report["causes"]] == ["dtype"]
