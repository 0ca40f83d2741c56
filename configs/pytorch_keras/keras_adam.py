"""Keras Adam sides against torch_adam.py: `build` is Adam(epsilon=1e-8) (ε added to √v, Keras 3),
`build_adamw` AdamW(weight_decay=0.01) (decoupled decay)."""

import keras


def _mlp(optimizer):
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(32, activation="relu"), keras.layers.Dense(10)])
    model.compile(optimizer=optimizer, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def build():
    return _mlp(keras.optimizers.Adam(learning_rate=1e-3, epsilon=1e-8))


def build_adamw():
    return _mlp(keras.optimizers.AdamW(learning_rate=1e-3, weight_decay=0.01, epsilon=1e-8))
