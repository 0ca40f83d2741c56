"""The benchmark's residual CNN: three residual blocks with BatchNormalization, 16-64 channels, 28x28x1
inputs, softmax over 10 classes, plain SGD. A Keras spec: `parity check bench/residual_cnn.py
bench/residual_cnn.py` checks it against itself."""

import keras

LR = 0.01


def _block(x, channels, stride):
    """conv-BN-ReLU-conv-BN plus a shortcut (1x1 conv where the shape changes), then ReLU."""
    shortcut = x
    y = keras.layers.Conv2D(channels, 3, strides=stride, padding="same")(x)
    y = keras.layers.BatchNormalization()(y)
    y = keras.layers.ReLU()(y)
    y = keras.layers.Conv2D(channels, 3, padding="same")(y)
    y = keras.layers.BatchNormalization()(y)
    if stride != 1 or x.shape[-1] != channels:
        shortcut = keras.layers.Conv2D(channels, 1, strides=stride)(x)
    return keras.layers.ReLU()(keras.layers.Add()([y, shortcut]))


def build():
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Conv2D(16, 3, padding="same")(inputs)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.ReLU()(x)
    for channels, stride in ((16, 1), (32, 2), (64, 2)):
        x = _block(x, channels, stride)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=LR), loss="sparse_categorical_crossentropy")
    return model
