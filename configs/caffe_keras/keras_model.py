"""The Keras twin of net.prototxt + solver.prototxt.

Caffe's weight_decay λ adds λ·w to every gradient, biases included: the loss term (λ/2)·Σw².
Keras' L2(l2) adds l2·Σw², so the equivalent is L2(λ/2) on kernels and biases (`build`).
`build_decoupled` uses SGD(weight_decay=λ) instead, which Keras 3 applies decoupled
(w ← w − lr·λ·w outside the momentum): equal at step 1, apart from step 2.
"""

import keras

LAMBDA = 0.0005


def _model(regularizer, optimizer):
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(8, (3, 3), activation="relu", kernel_regularizer=regularizer,
                            bias_regularizer=regularizer),
        keras.layers.MaxPooling2D((2, 2)),
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax", kernel_regularizer=regularizer, bias_regularizer=regularizer),
    ])
    model.compile(optimizer=optimizer, loss="categorical_crossentropy")
    return model


def build():
    return _model(keras.regularizers.L2(LAMBDA / 2), keras.optimizers.SGD(learning_rate=0.05, momentum=0.9))


def build_decoupled():
    return _model(None, keras.optimizers.SGD(learning_rate=0.05, momentum=0.9, weight_decay=LAMBDA))


def build_kernel_only():
    """L2(λ/2) on the kernels alone: Caffe's solver also decays the biases (decay_mult defaults to 1)."""
    return _model_split(keras.regularizers.L2(LAMBDA / 2), None)


def _model_split(kernel_reg, bias_reg):
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(8, (3, 3), activation="relu", kernel_regularizer=kernel_reg, bias_regularizer=bias_reg),
        keras.layers.MaxPooling2D((2, 2)),
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax", kernel_regularizer=kernel_reg, bias_regularizer=bias_reg),
    ])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9), loss="categorical_crossentropy")
    return model
