"""The Keras net that tools/train_trained_example.py trains and saves as cnn.weights.h5 (the checkpoint
of this example): conv 4@3×3 + ReLU, conv 8@3×3 + ReLU, 2×2 max pool, Dense 10 + softmax, plain SGD."""

import keras


def build():
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(4, (3, 3), activation="relu", name="conv1"),
        keras.layers.Conv2D(8, (3, 3), activation="relu", name="conv2"),
        keras.layers.MaxPooling2D((2, 2), name="pool2"),
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(10, activation="softmax", name="fc"),
    ])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="sparse_categorical_crossentropy")
    return model
