"""Causes found by fitting one side's quantities against the other's components: story 1's adapter
without grads(), at other sizes, still names l2-convention with its factor, and every fitted cause
carries its coefficients and confidence."""

import textwrap

from conftest import STORY1

from parity.diagnose.fitting import Term, fit_columns

KERAS = STORY1 / "keras_mlp.py"
NUMPY = STORY1 / "numpy_net.py"


def _no_grads(tmp_path, hidden=None, grads=False):
    """Story 1's NumPy net with grads() switched off (and, given `hidden`, another hidden width)."""
    spec = tmp_path / f"numpy_{'with' if grads else 'no'}_grads.py"
    resize = f"""
            def __init__(self):
                super().__init__()
                self.W1, self.b1 = np.zeros(({hidden}, 784)), np.zeros({hidden})
                self.W2 = np.zeros((10, {hidden}))
    """ if hidden else ""
    spec.write_text(textwrap.dedent(f"""
        import sys
        import numpy as np
        sys.path.insert(0, {str(STORY1)!r})
        import numpy_net

        class NoGrads(numpy_net.NumpyMLP):
            {"" if grads else "grads = None  # not callable: parity sees an adapter without grads()"}
            {resize.strip() and resize}

        def build():
            return NoGrads()
    """))
    return spec


def _keras(tmp_path, hidden):
    spec = tmp_path / "keras_sized.py"
    spec.write_text(textwrap.dedent(f"""
        import keras

        def build():
            reg = keras.regularizers.l2(0.001)
            model = keras.Sequential([keras.Input((784,)),
                                      keras.layers.Dense({hidden}, activation="sigmoid", kernel_regularizer=reg),
                                      keras.layers.Dense(10, activation="sigmoid", kernel_regularizer=reg)])
            model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss="mse")
            return model
    """))
    return spec


def test_story1_without_grads_at_another_size_names_l2_convention_with_its_factor(check_json, tmp_path):
    args = ("--weights", "zeros", "--samples", "96", "--steps", "3")
    code, report = check_json(_keras(tmp_path, 17), _no_grads(tmp_path, 17), *args)
    assert code == 1
    first = report["first_divergence"]
    # Zero weights: the penalties vanish at step 0 and the first update agrees; the weights are non-zero
    # from step 1, and the difference shows at most one step after it does with grads().
    with_grads = check_json(_keras(tmp_path, 17), _no_grads(tmp_path, 17, grads=True), *args)[1]
    assert 1 <= first["step"] <= with_grads["first_divergence"]["step"] + 1
    assert with_grads["causes"][0]["code"] == "l2-convention"
    cause = report["causes"][0]
    assert cause["code"] == "l2-convention" and "factor of 2" in cause["message"]
    assert cause["confidence"] >= 0.8 and "possible" not in cause
    assert abs(cause["fit"]["coefficients"]["penalty"] - 0.5) < 1e-3
    assert abs(cause["fit"]["coefficients"]["data"] - 1.0) < 1e-3
    assert cause["fit"]["residual"] < 1e-2
    assert "L2(0.0005)" in cause["fix"] and "2λ" in cause["fix"]


def test_story1_without_grads_names_the_same_cause_as_with_them(check_json, tmp_path):
    with_grads = check_json(KERAS, NUMPY, "--samples", "64", "--steps", "2")[1]
    without = check_json(KERAS, _no_grads(tmp_path), "--samples", "64", "--steps", "2")[1]
    assert with_grads["causes"][0]["code"] == without["causes"][0]["code"] == "l2-convention"
    assert without["first_divergence"]["step"] == with_grads["first_divergence"]["step"] == 0


def test_a_fit_separates_a_scaled_data_term_from_a_halved_penalty():
    rng = __import__("numpy").random.default_rng(0)
    data, penalty = rng.uniform(1, 2, 8), rng.uniform(0, 1, 8) ** 2
    fit = fit_columns([Term("data", data, 1.0), Term("penalty", penalty, 1.0)], 64 * data + 0.5 * penalty,
                      1e-9 * (64 * data))
    assert fit.holds
    assert fit.term("data").near(64) and fit.term("penalty").near(0.5)
    assert fit.confidence(fit.term("data")) > 0.99 and fit.confidence(fit.term("penalty")) > 0.99


def test_a_fit_that_explains_little_names_nothing_well():
    rng = __import__("numpy").random.default_rng(1)
    data = rng.uniform(1, 2, 8)
    unrelated = rng.standard_normal(8)  # a difference no column explains
    fit = fit_columns([Term("data", data, 1.0)], data + unrelated, 1e-9 * data)
    assert not fit.holds
    assert fit.confidence(fit.term("data")) < 0.8
