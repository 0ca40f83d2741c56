"""A three-hidden-layer MLP (784 → 16 → 16 → 16 → 10), ReLU everywhere: side A of the `--steps 0` isolation
example. mlp3_tanh_middle.prototxt is the same net in Caffe with the middle hidden layer's activation a TanH."""

import keras


def build():
    model = keras.Sequential([
        keras.Input((784,)),
        keras.layers.Dense(16, activation="relu", name="hidden1"),
        keras.layers.Dense(16, activation="relu", name="hidden2"),
        keras.layers.Dense(16, activation="relu", name="hidden3"),
        keras.layers.Dense(10, activation="softmax", name="out"),
    ])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="sparse_categorical_crossentropy")
    return model
