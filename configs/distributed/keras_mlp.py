"""A small Keras MLP to run on one device against itself data-parallel:

    parity check configs/distributed/keras_mlp.py configs/distributed/keras_mlp.py --b-replicas 2 \
        --samples 32 --steps 10

`build_summed` sums the loss over the batch (reduction="sum"); Keras 3 scales only mean-reduced losses by
1/replicas under a strategy (keras/src/losses/loss.py:160), so a summed loss with the strategy's summed
gradients is the same objective on 2 replicas as on one. `build_l2` adds a kernel penalty, which Keras
scales by 1/replicas on each replica (keras/src/backend/tensorflow/trainer.py:744): added once in all.
"""

import keras


def _mlp(loss, regularizer=None):
    model = keras.Sequential([
        keras.Input((784,)),
        keras.layers.Dense(16, activation="relu", kernel_regularizer=regularizer),
        keras.layers.Dense(10),
    ])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=0.9), loss=loss)
    return model


def build():
    return _mlp(keras.losses.SparseCategoricalCrossentropy(from_logits=True))


def build_summed():
    return _mlp(keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="sum"))


def build_l2():
    return _mlp(keras.losses.SparseCategoricalCrossentropy(from_logits=True), keras.regularizers.L2(1e-3))
