"""NaN and Inf are findings: the `non-finite` cause at the first step, side, layer and tensor where they appear.

The planted pair (configs/planted/exploding_lr.py): one float32 softmax regression on both sides; side B
multiplies its learning rate by 1e45 in its third update, so its weights overflow to Inf at step 3.
"""

import json

from conftest import CONFIGS

PLANTED = CONFIGS / "planted" / "exploding_lr.py"
HEALTHY, EXPLODING = f"{PLANTED}:build", f"{PLANTED}:build_exploding"


def _check(cli, a, b, *args):
    code, out, err = cli("check", a, b, "--steps", "6", "--samples", "500", "--json", "-", *args)
    assert "Traceback" not in out + err
    return code, json.loads(out), err


def test_one_side_overflowing_is_reported_at_that_step_as_non_finite(cli):
    code, report, _ = _check(cli, HEALTHY, EXPLODING)
    assert code == 1 and report["status"] == "diverged"
    first = report["first_divergence"]
    assert (first["step"], first["quantity"], first["layer_b"], first["param"]) == (3, "weight", "W", "kernel")
    assert first["nonfinite_side"] == "B" and first["rel_error"] is None
    cause = report["causes"][0]
    assert cause["code"] == "non-finite" and len(report["causes"]) == 1
    assert "Side B produced NaN or Inf at step 3 in weight W.kernel" in cause["message"]
    assert report["steps_run"] == 3  # nothing after the NaN is compared
    # steps 0-2 agreed exactly: the overflow, not an earlier drift, is the finding
    assert all(a == b for a, b in report["losses"][:3])


def test_the_same_finding_when_the_exploding_side_is_a(cli):
    code, report, _ = _check(cli, EXPLODING, HEALTHY)
    assert code == 1
    first = report["first_divergence"]
    assert (first["step"], first["layer_a"], first["nonfinite_side"]) == (3, "W", "A")
    assert report["causes"][0]["code"] == "non-finite"


def test_nan_on_both_sides_is_never_equal(cli):
    """Both sides overflow at the same step: NaN == NaN is not parity."""
    code, report, _ = _check(cli, EXPLODING, EXPLODING)
    assert code == 1 and report["status"] == "diverged"
    first = report["first_divergence"]
    assert (first["step"], first["nonfinite_side"]) == (3, "A and B")
    assert report["causes"][0]["code"] == "non-finite"
    assert "Sides A and B produced NaN or Inf at step 3" in report["causes"][0]["message"]


def test_the_console_report_names_step_side_and_tensor(cli):
    code, out, err = cli("check", HEALTHY, EXPLODING, "--steps", "4", "--samples", "500")
    assert code == 1 and "Traceback" not in out + err
    assert "DIVERGED at step 3: weight, W / W (kernel), rel_error NaN/Inf" in out
    assert "cause: non-finite" in out


def test_a_healthy_pair_is_parity(cli):
    code, report, _ = _check(cli, HEALTHY, HEALTHY)
    assert code == 0 and report["status"] == "parity" and report["steps_run"] == 6


def test_planted_label_offset_is_named_on_the_side_that_shifts(check_json):
    spec = CONFIGS / "planted" / "label_offset.py"
    code, report = check_json(f"{spec}:build_keras", f"{spec}:build_numpy", "--steps", "2", "--samples", "300")
    assert code == 1 and report["first_divergence"]["step"] == 0
    cause = report["causes"][0]
    assert cause["code"] == "label-offset" and "Side B reads label c as class c-1" in cause["message"]
    code, report = check_json(f"{spec}:build_keras", f"{spec}:build_numpy_zero_based", "--steps", "2",
                              "--samples", "300")
    assert code == 0, report["first_divergence"]


def test_one_based_labels_in_the_data_are_a_label_offset_error(cli, tmp_path):
    import numpy as np

    path = tmp_path / "one_based.npz"
    np.savez(path, x=np.zeros((4, 784), np.uint8), y=np.array([1, 2, 10, 3]))
    code, _, err = cli("check", CONFIGS / "story1" / "keras_mlp.py", CONFIGS / "story1" / "numpy_net.py",
                       "--data", path)
    assert code == 2 and "label-offset" in err and "subtract 1" in err
