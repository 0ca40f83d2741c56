"""Keras functional-API specs (tests/test_tryout.py): a functional model lists its InputLayer among its layers,
which a Sequential model does not."""

import keras


def _mlp(middle):
    inp = keras.Input(shape=(12,))
    x = keras.layers.Dense(8, activation="relu", name="h1")(inp)
    x = keras.layers.Dense(8, activation=middle, name="h2")(x)
    out = keras.layers.Dense(3, name="out")(x)
    model = keras.Model(inp, out)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def build():
    return _mlp("relu")


def build_tanh_middle():
    return _mlp("tanh")
