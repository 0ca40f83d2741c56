"""A small Keras CNN with batch normalisation, to run on one device against itself on 2 replicas:

    parity check configs/distributed/keras_cnn_bn.py configs/distributed/keras_cnn_bn.py --b-replicas 2 \
        --samples 16 --steps 3              # batchnorm-sync: each replica normalises with its own 8 samples
    parity check configs/distributed/keras_cnn_bn.py:build_synchronized \
        configs/distributed/keras_cnn_bn.py:build_synchronized --b-replicas 2 --samples 16 --steps 3   # parity

BatchNormalization(synchronized=True) all-reduces the batch moments over the replicas
(keras/src/layers/normalization/batch_normalization.py, `_moments` under tf.distribute), so each replica
normalises with the whole batch's, as one device does. The conv bias before the batch norm has a true
gradient of zero (the normalisation removes any constant), so its float32 gradient is pure rounding noise:
the float64 rerun measures it.
"""

import keras


def _cnn(synchronized):
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(4, 3, strides=2),
        keras.layers.BatchNormalization(synchronized=synchronized, name="bn"),
        keras.layers.ReLU(),
        keras.layers.Flatten(),
        keras.layers.Dense(10),
    ])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def build():
    return _cnn(False)


def build_synchronized():
    return _cnn(True)
