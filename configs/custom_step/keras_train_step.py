"""A Keras model whose own `train_step` doubles every gradient (`build`), and the same model without
the override (`build_plain`). `parity check` runs each model's own step: the pair diverges at step 1
in the weights, with `custom-step` and the measured relation as evidence."""

import keras
import tensorflow as tf


class DoubledGradients(keras.Sequential):
    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            loss = self.compute_loss(x=x, y=y, y_pred=self(x, training=True))
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply([2.0 * g for g in grads], self.trainable_variables)  # the user's bug
        return {"loss": loss}


def _mlp(cls):
    model = cls([keras.Input((784,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(10)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=0.9),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def build():
    return _mlp(DoubledGradients)


def build_plain():
    return _mlp(keras.Sequential)
