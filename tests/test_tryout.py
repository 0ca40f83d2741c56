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
