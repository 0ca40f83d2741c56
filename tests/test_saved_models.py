"""Saved Keras models load without running code: .keras, .h5 and .json; Lambda layers refused."""

import json

import pytest

from parity import lazy

lazy.tensorflow()
import keras  # noqa: E402
from conftest import STORY1  # noqa: E402

NUMPY = STORY1 / "numpy_net.py"


def _model(lam=0.0005):
    model = keras.Sequential([
        keras.Input((784,)),
        keras.layers.Dense(30, activation="sigmoid", kernel_regularizer=keras.regularizers.l2(lam)),
        keras.layers.Dense(10, activation="sigmoid", kernel_regularizer=keras.regularizers.l2(lam)),
    ])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss="mse")
    return model


@pytest.mark.parametrize("suffix", [".keras", ".h5", ".json"])
def test_saved_model_is_parity_with_the_numpy_net(tmp_path, check_json, suffix):
    path = tmp_path / f"model{suffix}"
    model = _model()
    if suffix == ".json":
        path.write_text(model.to_json())
    else:
        model.save(path)
    code, report = check_json(path, NUMPY, "--steps", "5")
    assert code == 0, report["first_divergence"]


def test_lambda_layer_is_refused_before_keras_sees_it(tmp_path, cli):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Lambda(lambda t: t * 2), keras.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    path = tmp_path / "lambda.keras"
    model.save(path)
    code, _, err = cli("show", path)
    assert code == 2 and "Lambda" in err and "arbitrary Python" in err


def test_config_without_training_config_says_so(tmp_path, cli):
    model = _model()
    config = json.loads(model.to_json())
    config.pop("compile_config", None)
    path = tmp_path / "bare.json"
    path.write_text(json.dumps(config))
    code, _, err = cli("show", path)
    assert code == 2 and "without a training config" in err


def test_junk_named_keras_is_a_clear_error(tmp_path, cli):
    path = tmp_path / "junk.keras"
    path.write_bytes(b"\x00\x01 not a zip")
    code, _, err = cli("check", path, NUMPY)
    assert code == 2 and "junk.keras: is not a Keras archive" in err
