"""The benchmark's residual CNN: three residual blocks with BatchNormalization, 16-64 channels, 28x28x1
inputs, softmax over 10 classes, plain SGD. A Keras spec: `parity check bench/residual_cnn.py
bench/residual_cnn.py` checks it against itself."""

import keras

LR = 0.01


def _norm(x, batchnorm):
    return keras.layers.BatchNormalization()(x) if batchnorm else x


def _block(x, channels, stride, batchnorm):
    """conv-BN-ReLU-conv-BN plus a shortcut (1x1 conv where the shape changes), then ReLU."""
    shortcut = x
    y = keras.layers.Conv2D(channels, 3, strides=stride, padding="same")(x)
    y = keras.layers.ReLU()(_norm(y, batchnorm))
    y = _norm(keras.layers.Conv2D(channels, 3, padding="same")(y), batchnorm)
    if stride != 1 or x.shape[-1] != channels:
        shortcut = keras.layers.Conv2D(channels, 1, strides=stride)(x)
    return keras.layers.ReLU()(keras.layers.Add()([y, shortcut]))


def build(batchnorm=True, weight_decay=None):
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Conv2D(16, 3, padding="same")(inputs)
    x = keras.layers.ReLU()(_norm(x, batchnorm))
    for channels, stride in ((16, 1), (32, 2), (64, 2)):
        x = _block(x, channels, stride, batchnorm)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    optimizer = keras.optimizers.SGD(learning_rate=LR, weight_decay=weight_decay)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    return model


def build_plain():
    """The same residual CNN without BatchNormalization: no batch statistics, so --micro-batch applies."""
    return build(batchnorm=False)


def build_plain_decay():
    """build_plain with decoupled weight decay 1e-2 in its SGD: against build_plain it diverges at the first
    update, in the weights (--micro-batch's benchmark checks that the first divergence is the same)."""
    return build(batchnorm=False, weight_decay=1e-2)
