"""The PyTorch story's Keras port, as a Keras user writes it with Keras's defaults: the same layers,
softmax into sparse categorical cross-entropy, Adadelta at the example's rate 1.0 with its schedule
(×0.7 after every epoch, one full-batch step here) — and Keras's own input scaling to [0, 1] and
Adadelta's own rho and epsilon, which are not PyTorch's."""

import keras


def _net(optimizer):
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(8, 3, activation="relu"),
        keras.layers.Conv2D(16, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Dropout(0.25),
        keras.layers.Flatten(),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    return model


def _schedule():
    return keras.optimizers.schedules.ExponentialDecay(1.0, decay_steps=1, decay_rate=0.7, staircase=True)


def build():
    return _net(keras.optimizers.Adadelta(learning_rate=_schedule()))


def build_torch_constants():
    """Adadelta with PyTorch's constants (torch/optim/adadelta.py:33-34: rho 0.9, eps 1e-6)."""
    return _net(keras.optimizers.Adadelta(learning_rate=_schedule(), rho=0.9, epsilon=1e-6))
