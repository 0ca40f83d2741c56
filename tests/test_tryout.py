"""Cases a new user met (the `tryout` pass): specs written unlike the project's configs."""

import json
from pathlib import Path

CASES = Path(__file__).resolve().parent / "tryout_cases"
FUNCTIONAL = CASES / "keras_functional.py"
TOL = 1e-5


def test_isolation_runs_the_stages_of_a_keras_functional_model(cli, tmp_path):
    """A functional model's first stage once called its InputLayer on a tensor (TypeError, exit 3)."""
    out = tmp_path / "r.json"
    code, stdout, stderr = cli("check", f"{FUNCTIONAL}:build", f"{FUNCTIONAL}:build_tanh_middle",
                               "--data", "random:16", "--steps", 0, "--json", out)
    assert code == 1, stderr + stdout
    report = json.loads(out.read_text())
    assert report["first_divergence"]["quantity"] == "activation"
    introduced = [e["introduced"] for e in report["isolation"]]
    assert len(introduced) == 3
    assert introduced[0] <= TOL and introduced[1] > 0.01 and introduced[2] <= TOL  # h2 introduces, out inherits


def test_adam_constants_fix_names_the_other_sides_epsilon(cli, tmp_path):
    """The fix for Adam's ε read `torch.optim.Adam(..., )`: an ε written with where it is added was dropped."""
    out = tmp_path / "r.json"
    pair = CASES / "adam_pair.py"
    code, stdout, stderr = cli("check", f"{pair}:torch_adam", f"{pair}:keras_adam", "--data", "random:16",
                               "--steps", 2, "--json", out)
    assert code == 1, stderr + stdout
    cause = json.loads(out.read_text())["causes"][0]
    assert cause["code"] == "optimizer" and "epsilon" in cause["message"]
    assert "torch.optim.Adam(..., eps=1e-07)" in cause["fix"]
    assert "keras.optimizers.Adam(..., epsilon=1e-08)" in cause["fix"]
    assert "different places" in cause["fix"]


def _diff_spec(cli, a, b):
    code, out, err = cli("diff-spec", a, b, "--json", "-")
    assert code in (0, 1), err
    return code, json.loads(out)


def test_diff_spec_of_an_equivalent_torch_keras_pair_is_clean(cli):
    """No decay on either side read as a difference ("none" against "coupled, in the loss: none"), and so did
    where the rate enters the momentum, with no momentum or no rate change to act on."""
    pair = CASES / "mlp_pair.py"
    for suffix in ("sgd", "momentum"):
        code, diffs = _diff_spec(cli, f"{pair}:torch_{suffix}", f"{pair}:keras_{suffix}")
        assert (code, diffs) == (0, [])
    code, diffs = _diff_spec(cli, f"{pair}:torch_sgd", f"{pair}:keras_l1")  # an L1 penalty still differs
    assert code == 1 and "weight_decay" in {d["field"] for d in diffs}


def test_label_smoothing_on_one_side_is_a_loss_function_difference(cli, tmp_path):
    pair = CASES / "mlp_pair.py"
    code, diffs = _diff_spec(cli, f"{pair}:torch_sgd", f"{pair}:keras_sgd")
    assert code == 0
    out = tmp_path / "r.json"
    code, stdout, stderr = cli("check", f"{pair}:torch_sgd", f"{pair}:keras_sgd", "--a-set", "label_smoothing=0.1",
                               "--data", "random:16", "--steps", 1, "--json", out)
    assert code == 1, stderr + stdout
    report = json.loads(out.read_text())
    assert [(d["field"], d["cause"]) for d in report["spec_differences"]] == [("loss", "loss-function")]
    assert "label smoothing 0.1" in report["spec_differences"][0]["a"]
    assert report["causes"][0]["code"] == "loss-function"


def test_a_loss_of_the_users_own_reads_its_output_convention_by_value(cli):
    """`lambda out, y: F.nll_loss(F.log_softmax(out, 1), y)` once left the torch output compared as raw logits
    against Keras's probabilities: an `activation` divergence where loss, gradients and weights agreed. The
    engine now tells logits from log-probabilities by the loss's value; an MSE of its own stays as it is."""
    pair = CASES / "own_loss_pair.py"
    for keras_side, torch_side in (("keras_softmax", "torch_nll_lambda"), ("keras_mse", "torch_mse_own")):
        code, stdout, stderr = cli("check", f"{pair}:{keras_side}", f"{pair}:{torch_side}", "--samples", 64,
                                   "--steps", 3)
        assert code == 0, f"{keras_side} / {torch_side}: " + stderr + stdout
