"""Story 1, the Keras side: a 784-30-10 sigmoid net, mean squared error, full-batch SGD.

`build` is the port as the user wrote it: Keras `l2(λ)` adds λ·Σw² to the loss.
`build_half` uses `l2(λ/2)`, which is what the NumPy net's ½λ·Σw² means.
`build_plain` has no penalty at all.
"""

import keras

LAMBDA = 0.001
LR = 0.5


def _mlp(regularizer):
    model = keras.Sequential([
        keras.Input((784,)),
        keras.layers.Dense(30, activation="sigmoid", kernel_regularizer=regularizer),
        keras.layers.Dense(10, activation="sigmoid", kernel_regularizer=regularizer),
    ])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=LR), loss="mse")
    return model


def build():
    return _mlp(keras.regularizers.l2(LAMBDA))


def build_half():
    return _mlp(keras.regularizers.l2(LAMBDA / 2))


def build_plain():
    return _mlp(None)
