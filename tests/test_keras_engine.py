"""The Keras engine trains exactly as real Keras does: against model.fit, full batch, no shuffle."""

import numpy as np

from parity import lazy

tf = lazy.tensorflow()
import keras  # noqa: E402

from parity.engines.keras_engine import KerasEngine  # noqa: E402


def _model(seed):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((20,)),
        keras.layers.Dense(16, activation="relu", kernel_regularizer=keras.regularizers.l2(0.01)),
        keras.layers.Dense(5, activation="softmax", bias_regularizer=keras.regularizers.l2(0.02)),
    ])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=0.9), loss="categorical_crossentropy")
    return model


def _batch():
    rng = np.random.default_rng(3)
    return rng.normal(size=(64, 20)).astype(np.float32), rng.integers(0, 5, 64)


def test_steps_match_model_fit():
    x, y = _batch()
    ours, theirs = _model(1), _model(1)
    engine = KerasEngine(ours, ours.optimizer, "A")
    for _ in range(5):
        engine.evaluate(x, y)
        engine.update()
    theirs.fit(x, np.eye(5)[y], batch_size=64, epochs=5, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_loss_is_split_into_the_compiled_loss_and_model_losses():
    x, y = _batch()
    model = _model(2)
    ev = KerasEngine(model, model.optimizer, "A").evaluate(x, y)
    pred = model(x)
    data = float(keras.losses.categorical_crossentropy(np.eye(5)[y], pred).numpy().mean())
    reg = sum(float(p) for p in model.losses)
    assert abs(ev.loss_data - data) < 1e-5 * data
    assert abs(ev.loss_reg - reg) < 1e-6 and reg > 0
    # the penalty's gradient is exactly 2·l2·w on the kernel and zero where there is none
    kernel = model.layers[0].kernel.numpy()
    key = model.layers[0].kernel.path
    np.testing.assert_allclose(ev.grads_reg[key], 2 * 0.01 * kernel, rtol=1e-6)
    assert not np.any(ev.grads_reg[model.layers[0].bias.path])


def test_activations_are_stage_outputs_in_forward_order():
    x, y = _batch()
    model = _model(3)
    ev = KerasEngine(model, model.optimizer, "A").evaluate(x, y)
    names = [name for name, _ in ev.activations]
    assert names == [model.layers[0].name, model.layers[1].name]
    np.testing.assert_allclose(ev.activations[1][1], model(x).numpy(), rtol=1e-6)


def test_dropout_is_disabled_so_both_sides_can_agree():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dropout(0.5),
                              keras.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    engine = KerasEngine(model, model.optimizer, "A")
    assert engine.dropout_disabled == [model.layers[1].name]
    x = np.ones((8, 4), np.float32)
    y = np.zeros(8, np.int64)
    assert engine.evaluate(x, y).loss_total == engine.evaluate(x, y).loss_total
