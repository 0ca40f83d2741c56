"""Story 2: a MatConvNet net and its Keras port, and the momentum formulations at a rate change."""

import numpy as np
from conftest import CONFIGS

STORY2 = CONFIGS / "story2"
DATA = ("--data", STORY2 / "mnist_two_classes.npz", "--samples", "64")


def test_story2_lists_every_difference_and_names_the_grouped_ip1(demo_story):
    code, _, _, report, _ = demo_story("story2")  # 64 samples of two classes, 5 steps, as make demo runs it
    assert code == 1
    causes = {d["cause"] for d in report["spec_differences"]}
    # RMSprop against SGD with momentum: the momentum formulations are not compared (no momentum on A)
    assert {"optimizer", "lr-schedule", "weight-decay", "bias-decay", "init", "lr-multiplier", "lr-decay-ignored",
            "grouped-conv"} <= causes, causes
    first = report["first_divergence"]
    assert (first["step"], first["quantity"], first["layer_a"]) == (0, "structure", "ip1")
    cause = report["causes"][0]
    assert cause["code"] == "grouped-conv" and "groups=2" in cause["fix"] and "1×1×256×256" in cause["evidence"]


def test_equivalent_matconvnet_keras_pair_is_parity(check_json):
    code, report = check_json(STORY2 / "equivalent_init.m", STORY2 / "equivalent_keras.py", *DATA, "--steps", "20")
    assert code == 0, report["first_divergence"]


def _first_update_at_new_rate(rates):
    """1-based update that first uses a rate different from the one before (from the formulas)."""
    return next(i + 1 for i in range(1, len(rates)) if rates[i] != rates[i - 1])


def test_momentum_formulation_parts_them_exactly_at_the_rate_drop(check_json):
    # MatConvNet epoch k uses learningRate(min(k, end)) = [0.05 0.05 0.05 0.01]; the Keras twin uses
    # PiecewiseConstantDecay([2], [0.05, 0.01]) at iteration k-1: the same rate at every update.
    per_update = [0.05, 0.05, 0.05, 0.01, 0.01, 0.01]
    expected = _first_update_at_new_rate(per_update)
    assert expected == 4
    code, report = check_json(STORY2 / "schedule_init.m", f"{STORY2 / 'equivalent_keras.py'}:build_schedule", *DATA,
                              "--steps", "6")
    assert code == 1
    assert report["first_divergence"]["step"] == expected
    cause = report["causes"][0]
    assert cause["code"] == "momentum-formulation"
    assert "lr at update time" in cause["message"] and "lr inside the velocity" in cause["message"]
    assert np.allclose([a for a, _ in report["losses"][:expected]], [b for _, b in report["losses"][:expected]],
                       rtol=1e-5)
