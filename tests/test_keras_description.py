"""A compiled Keras model translated into the neutral description and run on the description engine
trains as real Keras does: weights, losses, gradients and activations over 50 full-batch steps, for
every layer type, loss, regulariser, optimizer, clipping rule and schedule the translator accepts.

Every case below is compared in float32 and agrees bit for bit (the engine calls the TF ops Keras
calls, in Keras's order); the bound asserted is the float32-noise bound, rel_error ≤ 1e-5.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from parity import lazy

tf = lazy.tensorflow()
import keras  # noqa: E402

from parity import dialects  # noqa: E402
from parity.compare import rel_error  # noqa: E402
from parity.description.toml_io import dumps  # noqa: E402
from parity.dialects.keras.description import describe  # noqa: E402
from parity.engines.factory import make_engine  # noqa: E402
from parity.engines.keras_desc_engine import KerasGraphEngine  # noqa: E402
from parity.engines.keras_engine import KerasEngine  # noqa: E402
from parity.engines.keras_init import keras_fill  # noqa: E402
from parity.errors import SpecError  # noqa: E402
from parity.frameworks.keras_tensors import initial_weights  # noqa: E402

RTOL = 1e-5
STEPS = 50
L, Opt, S, R = keras.layers, keras.optimizers, keras.optimizers.schedules, keras.regularizers


def _data(shape, classes, n, seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, *shape)).astype(np.float32), rng.integers(0, classes, n)


FLAT = _data((12,), 4, 64, 1)
BINARY = _data((12,), 2, 64, 3)
IMAGES = _data((10, 10, 2), 3, 32, 2)


def mlp(act="relu", out="softmax", loss="categorical_crossentropy", opt=None, reg=None, bias_reg=None, units=4,
        data=FLAT):
    def build():
        model = keras.Sequential([keras.Input((12,)),
                                  L.Dense(16, activation=act, kernel_regularizer=reg, bias_regularizer=bias_reg),
                                  L.Dense(units, activation=out)])
        model.compile(optimizer=opt() if opt else Opt.SGD(0.1), loss=loss)
        return model
    return build, data


def cnn(*layers, opt=None, loss="categorical_crossentropy", head=True):
    def build():
        tail = [L.Flatten(), L.Dense(3, activation="softmax")] if head else []
        model = keras.Sequential([keras.Input((10, 10, 2)), *[make() for make in layers], *tail])
        model.compile(optimizer=opt() if opt else Opt.SGD(0.05, momentum=0.9), loss=loss)
        return model
    return build, IMAGES


def functional():
    def build():
        inp = keras.Input((12,))
        a = L.Dense(8, activation="relu")(inp)
        b = keras.Sequential([L.Dense(8), L.Activation("tanh")])(inp)  # a nested model, expanded in place
        merged = L.Concatenate()([L.Add()([a, b]), a])
        model = keras.Model(inp, L.Dense(4, activation="softmax")(merged))
        model.compile(optimizer=Opt.Adam(0.01), loss="sparse_categorical_crossentropy")
        return model
    return build, FLAT


def mnist_lenet():
    data = np.load(Path(__file__).resolve().parents[1] / "data" / "mnist_train_3000.npz")
    x, y = (data["x"][:256, :, :, None] / 255.0).astype(np.float32), data["y"][:256].astype(np.int64)

    def build():
        model = keras.Sequential([keras.Input((28, 28, 1)),
                                  L.Conv2D(6, 5, activation="relu", kernel_regularizer=R.L2(5e-4)),
                                  L.MaxPooling2D(2), L.Conv2D(8, 3, strides=2, padding="same", activation="relu"),
                                  L.AveragePooling2D(2), L.Flatten(), L.Dense(10, activation="softmax")])
        model.compile(optimizer=Opt.SGD(0.1, momentum=0.9), loss="sparse_categorical_crossentropy")
        return model
    return build, (x, y)


CASES = {
    # Dense and its activations; the losses and where Keras reads logits
    "dense-sigmoid-mse": mlp("sigmoid", "linear", "mse"),
    "dense-relu-softmax-cce": mlp(),
    "dense-tanh-linear-cce-from-logits": mlp("tanh", "linear", keras.losses.CategoricalCrossentropy(from_logits=True)),
    "dense-softmax-scce": mlp(loss="sparse_categorical_crossentropy"),
    "dense-linear-scce-from-logits": mlp("linear", "linear", keras.losses.SparseCategoricalCrossentropy(True)),
    "cce-on-sigmoid-uses-its-logits": mlp(out="sigmoid"),
    "cce-on-relu-clips-and-normalises": mlp(out="relu"),
    "scce-on-relu-clips": mlp("sigmoid", "relu", "sparse_categorical_crossentropy"),
    "cce-label-smoothing": mlp(loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.1)),
    "bce-sigmoid": mlp(out="sigmoid", loss="binary_crossentropy", units=1, data=BINARY),
    # regularisers (added to the objective) and the optimizers
    "l2-kernel": mlp(reg=R.L2(0.01)),
    "l1-kernel-l2-bias": mlp(reg=R.L1(0.001), bias_reg=R.L2(0.02)),
    "l1l2": mlp(reg=R.L1L2(0.001, 0.01)),
    "sgd-momentum": mlp(opt=lambda: Opt.SGD(0.05, momentum=0.9)),
    "sgd-nesterov": mlp(opt=lambda: Opt.SGD(0.05, momentum=0.9, nesterov=True)),
    "sgd-weight-decay": mlp(opt=lambda: Opt.SGD(0.05, momentum=0.9, weight_decay=0.01)),
    "rmsprop": mlp(opt=lambda: Opt.RMSprop(0.001)),
    "rmsprop-momentum-centered": mlp(opt=lambda: Opt.RMSprop(0.001, momentum=0.5, centered=True)),
    "adam": mlp(opt=lambda: Opt.Adam(0.01)),
    "adam-amsgrad-weight-decay": mlp(opt=lambda: Opt.Adam(0.01, amsgrad=True, weight_decay=0.05)),
    "adamw": mlp(opt=lambda: Opt.AdamW(0.01)),
    "adadelta": mlp(opt=lambda: Opt.Adadelta(1.0)),
    "adagrad": mlp(opt=lambda: Opt.Adagrad(0.05)),
    "clipnorm": mlp(opt=lambda: Opt.SGD(0.5, clipnorm=0.1)),
    "global-clipnorm": mlp(opt=lambda: Opt.SGD(0.5, global_clipnorm=0.1)),
    "clipvalue": mlp(opt=lambda: Opt.SGD(0.5, clipvalue=0.01)),
    # schedules, evaluated at iterations (0 on the first update)
    "exponential-decay": mlp(opt=lambda: Opt.SGD(S.ExponentialDecay(0.1, 7, 0.8))),
    "exponential-staircase-adam": mlp(opt=lambda: Opt.Adam(S.ExponentialDecay(0.01, 7, 0.8, staircase=True))),
    "piecewise-constant": mlp(opt=lambda: Opt.SGD(S.PiecewiseConstantDecay([10, 30], [0.1, 0.05, 0.01]),
                                                momentum=0.9)),
    "inverse-time-weight-decay": mlp(opt=lambda: Opt.SGD(S.InverseTimeDecay(0.1, 5, 0.5), weight_decay=0.01)),
    "polynomial": mlp(opt=lambda: Opt.SGD(S.PolynomialDecay(0.1, 30, 0.001, power=2.0))),
    "polynomial-cycle": mlp(opt=lambda: Opt.SGD(S.PolynomialDecay(0.1, 20, 0.001, power=0.5, cycle=True))),
    # convolutions, pooling, flatten, dropout, batch norm, activation layers
    "conv-valid-stride2": cnn(lambda: L.Conv2D(4, 3, strides=2, activation="relu")),
    "conv-same-stride2": cnn(lambda: L.Conv2D(4, 3, strides=2, padding="same", activation="relu")),
    "conv-same-even-kernel-stride3": cnn(lambda: L.Conv2D(4, 4, strides=3, padding="same", activation="tanh")),
    "conv-dilated-same": cnn(lambda: L.Conv2D(4, 3, dilation_rate=2, padding="same", activation="relu")),
    "conv-groups": cnn(lambda: L.Conv2D(4, 3, groups=2, activation="relu")),
    "maxpool-valid": cnn(lambda: L.Conv2D(4, 3, activation="relu"), lambda: L.MaxPooling2D(2)),
    "maxpool-same-3-stride2": cnn(lambda: L.Conv2D(4, 3, activation="sigmoid"),
                                  lambda: L.MaxPooling2D(3, strides=2, padding="same")),
    "avgpool-valid": cnn(lambda: L.Conv2D(4, 3, activation="relu"), lambda: L.AveragePooling2D(2)),
    "avgpool-same-3-stride2": cnn(lambda: L.Conv2D(4, 3, activation="relu"),
                                  lambda: L.AveragePooling2D(3, strides=2, padding="same")),
    "flatten-channels-first": cnn(lambda: L.Conv2D(4, 3, activation="relu"), lambda: L.Flatten("channels_first"),
                                  lambda: L.Dense(3, activation="softmax"), head=False),
    "dropout": cnn(lambda: L.Flatten(), lambda: L.Dense(8, activation="relu"), lambda: L.Dropout(0.5)),
    "batchnorm-conv": cnn(lambda: L.Conv2D(4, 3), lambda: L.BatchNormalization(), lambda: L.Activation("relu")),
    "batchnorm-dense-rmsprop": cnn(lambda: L.Flatten(), lambda: L.Dense(8), lambda: L.BatchNormalization(momentum=0.9),
                                   lambda: L.ReLU(), opt=lambda: Opt.RMSprop(0.01)),
    "relu-max-threshold-leaky": cnn(lambda: L.Flatten(), lambda: L.Dense(8), lambda: L.ReLU(6.0, 0.1, 0.05),
                                    lambda: L.Dense(8), lambda: L.LeakyReLU(0.1)),
    "softmax-layer": cnn(lambda: L.Flatten(), lambda: L.Dense(3), lambda: L.Softmax(), head=False),
    "activation-softmax-then-dropout": cnn(lambda: L.Flatten(), lambda: L.Dense(3), lambda: L.Activation("softmax"),
                                           lambda: L.Dropout(0.2), head=False),
    "functional-add-concat-nested": functional(),
    "mnist-conv-pool-l2": mnist_lenet(),
}


def _pair(build, dtype="float32"):
    keras.utils.set_random_seed(0)
    model = build()
    desc = describe(model, "test.py")
    ours = KerasGraphEngine(desc, "B", dtype, initial=initial_weights(model))
    return model, KerasEngine(model, model.optimizer, "A"), ours


def _worst(ref, ours, x, y, steps=STEPS):
    """The largest rel_error per quantity over `steps` updates of both engines."""
    worst = dict.fromkeys(("weights", "grads_data", "grads_reg", "loss_data", "loss_reg", "activations"), 0.0)
    for step in range(steps + 1):
        ea, eb = ref.evaluate(x, y), ours.evaluate(x, y)
        wa, wb = ref.get_weights(), ours.get_weights()
        pairs = list(zip(ref.tensors, ours.tensors))
        assert [(a.role, a.shape) for a, _ in pairs] == [(b.role, b.shape) for _, b in pairs]
        for quantity, a, b in ([("weights", wa[ta.key], wb[tb.key]) for ta, tb in pairs]
                               + [(q, getattr(ea, q)[ta.key], getattr(eb, q)[tb.key])
                                  for q in ("grads_data", "grads_reg") for ta, tb in pairs]
                               + [(q, getattr(ea, q), getattr(eb, q)) for q in ("loss_data", "loss_reg")]
                               + [("activations", p, q) for (_, p), (_, q) in zip(ea.activations, eb.activations)]):
            worst[quantity] = max(worst[quantity], rel_error(a, b))
        assert [n for n, _ in ea.activations] == [n for n, _ in eb.activations]
        if step < steps:
            rate = ours.current_lr()
            # Keras's own report is its eager schedule; its compiled step (and ours) may differ in the last bit
            assert rel_error(rate, ref.current_lr()) <= 1e-6
            ref.update()
            ours.update(rate)
    return worst


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_description_trains_as_keras_does(case):
    build, (x, y) = CASES[case]
    model, ref, ours = _pair(build)
    worst = _worst(ref, ours, x, y)
    assert max(worst.values()) <= RTOL, worst
    for layer in model.layers:  # the batch-norm statistics the forward passes updated
        for i, v in enumerate(layer.weights):
            if not v.trainable:
                assert rel_error(v.numpy(), ours.get_state()[f"{layer.name}/{i}"]) <= RTOL


def test_a_keras_toml_runs_as_the_model(tmp_path):
    """`parity show --format toml` of a Keras spec is itself a runnable spec."""
    build, (x, y) = cnn(lambda: L.Conv2D(4, 3, padding="same", kernel_regularizer=R.L2(0.01)),
                        lambda: L.BatchNormalization(), lambda: L.Activation("relu"), lambda: L.MaxPooling2D(2),
                        opt=lambda: Opt.Adam(S.PiecewiseConstantDecay([20], [0.01, 0.001]), clipnorm=1.0))
    keras.utils.set_random_seed(0)
    model = build()
    path = tmp_path / "model.toml"
    path.write_text(dumps(describe(model, "model.py")))
    side = dialects.load(str(path))
    ours, ref = make_engine(side, "B", "float32"), KerasEngine(model, model.optimizer, "A")
    assert isinstance(ours, KerasGraphEngine)
    start = ref.get_weights()  # the trainable weights; the statistics start at Keras's zeros and ones
    ours.set_weights({tb.key: start[ta.key] for ta, tb in zip(ref.tensors, ours.tensors)})
    worst = _worst(ref, ours, x, y)
    assert max(worst.values()) <= RTOL, worst


def test_parity_checks_a_keras_spec_against_its_own_toml(cli, tmp_path):
    """The runner end to end: real Keras on one side, its description on the engine on the other."""
    spec = Path(__file__).resolve().parents[1] / "configs" / "story3" / "keras_model.py"
    code, out, _ = cli("show", spec, "--format", "toml")
    assert code == 0 and 'kind = "keras.Adadelta"' in out
    path = tmp_path / "story3.toml"
    path.write_text(out)
    code, out, _ = cli("check", spec, path, "--steps", str(STEPS), "--samples", "128", "--json", "-")
    report = json.loads(out)
    assert code == 0 and report["status"] == "parity", report.get("first_divergence")


def test_the_description_makes_keras_explicit():
    build, _ = functional()
    keras.utils.set_random_seed(0)
    desc = describe(build(), "f.py")
    by_name = {layer.name: layer for layer in desc.layers}
    opt = desc.optimizer
    assert opt.kind == "keras.Adam" and opt.hyper["learning_rate"] == 0.01  # float32 0.0099999998 shown as written
    assert opt.hyper["weight_decay"] is None and "weight_decay" in opt.hyper and opt.hyper["beta_2"] == 0.999
    assert opt.defaults["epsilon"].startswith("keras/src/optimizers/adam.py:45-49")
    assert "learning_rate" not in opt.defaults  # written by the spec
    loss = desc.layers[-1]
    assert loss.kind == "keras_loss" and loss.attrs["loss"] == "sparse_categorical_crossentropy"
    assert loss.attrs["uses_logits"] and "nn.py:1267" in loss.defaults["uses_logits"]
    last = by_name[loss.inputs[0].split(":")[0]]
    assert loss.inputs == [f"{last.name}:logits", "labels"] and last.outputs == [last.name, f"{last.name}:logits"]
    assert desc.input.blob == desc.layers[0].name and desc.input.layout == "hwc" and desc.input.label_blob == "labels"
    add = next(layer for layer in desc.layers if layer.kind == "eltwise")
    assert len(add.inputs) == 2 and all(b in by_name for b in add.inputs)
    model, _, _ = _pair(cnn(lambda: L.Conv2D(4, 3), lambda: L.BatchNormalization())[0])
    bn = next(layer for layer in describe(model, "c.py").layers if layer.kind == "batchnorm")
    assert [(p.role, p.trainable) for p in bn.params] == [("gamma", True), ("beta", True), ("mean", False),
                                                         ("variance", False)]
    assert bn.attrs["momentum"] == 0.99 and "batch_normalization.py:163" in bn.defaults["momentum"]


def test_a_schedule_is_described_with_its_config():
    build, _ = mlp(opt=lambda: Opt.SGD(S.ExponentialDecay(0.1, 7, 0.8), momentum=0.9))
    keras.utils.set_random_seed(0)
    opt = describe(build(), "s.py").optimizer
    assert opt.schedule == {"class_name": "ExponentialDecay", "initial_learning_rate": 0.1, "decay_steps": 7,
                            "decay_rate": 0.8, "staircase": False, "name": "ExponentialDecay"}


def test_what_is_not_emulated_is_refused_by_name():
    def build():
        model = keras.Sequential([keras.Input((12,)), L.Dense(8), L.GaussianNoise(0.1), L.Dense(4)])
        model.compile(optimizer=Opt.Nadam(), loss="mse")
        return model
    keras.utils.set_random_seed(0)
    model = build()
    with pytest.raises(SpecError, match="gaussian_noise: GaussianNoise is not emulated"):
        KerasGraphEngine(describe(model, "x.py"), "B", "float32", initial=initial_weights(model))
    model = keras.Sequential([keras.Input((4,)), L.Dense(2, kernel_constraint=keras.constraints.MaxNorm(1.0))])
    model.compile(optimizer=Opt.Nadam(), loss="mse")
    with pytest.raises(SpecError, match="kernel_constraint=MaxNorm is not emulated"):
        KerasGraphEngine(describe(model, "x.py"), "B", "float32", initial=initial_weights(model))
    model = keras.Sequential([keras.Input((4,)), L.Dense(2)])
    model.compile(optimizer=Opt.Nadam(), loss="mse")
    with pytest.raises(SpecError, match="Nadam is not emulated"):
        KerasGraphEngine(describe(model, "x.py"), "B", "float32", initial=initial_weights(model))


def test_keras_initializers_are_drawn_with_keras_scales():
    rng = np.random.default_rng(0)
    glorot = keras_fill({"type": "GlorotUniform"}, (300, 200), rng)
    assert abs(np.abs(glorot).max() - np.sqrt(6 / 500)) < 1e-3
    he = keras_fill({"type": "HeNormal"}, (3, 3, 16, 32), rng)
    std = np.sqrt(2 / 144)
    assert np.abs(he).max() <= 2 * std / 0.87962566103423978 and abs(he.std() / std - 1) < 0.05
    assert not keras_fill({"type": "Zeros"}, (4,), rng).any()
