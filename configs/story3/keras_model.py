"""Story 3, the Keras side: trains fine on 24×15 single-channel images of 11 classes.

Conv2D(32, 3×3) + ReLU twice, MaxPooling2D(2×2) (Keras' stride defaults to the pool size),
Dropout, Flatten, Dense(128) + ReLU, Dropout, Dense(11) + softmax; categorical
cross-entropy and Adadelta with Keras' defaults.
"""

import keras


def build():
    model = keras.Sequential([
        keras.Input((24, 15, 1)),
        keras.layers.Conv2D(32, (3, 3), activation="relu"),
        keras.layers.Conv2D(32, (3, 3), activation="relu"),
        keras.layers.MaxPooling2D((2, 2)),
        keras.layers.Dropout(0.25),
        keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(11, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adadelta(), loss="categorical_crossentropy")
    return model


def build_stride1():
    """The port with the pooling stride Caffe's file uses (stride 1): the structure then agrees."""
    model = build()
    layers = [keras.Input((24, 15, 1))] + [
        keras.layers.MaxPooling2D((2, 2), strides=(1, 1)) if isinstance(layer, keras.layers.MaxPooling2D)
        else layer.__class__.from_config(layer.get_config()) for layer in model.layers]
    fixed = keras.Sequential(layers)
    fixed.compile(optimizer=keras.optimizers.Adadelta(), loss="categorical_crossentropy")
    return fixed
