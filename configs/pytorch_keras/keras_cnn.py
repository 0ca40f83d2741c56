"""The Keras side of a Keras/PyTorch CNN pair (torch_cnn.py beside it): conv, batch norm, ReLU, max-pool,
flatten, dense, SGD. `build` keeps Keras's BatchNormalization defaults (momentum 0.99, epsilon 1e-3);
`build_torch_bn` sets them to PyTorch's (momentum 0.1 there is 0.9 here, eps 1e-5)."""

import keras


def _cnn(**bn):
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(4, 3, use_bias=False),
        keras.layers.BatchNormalization(**bn),
        keras.layers.ReLU(),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dense(10),
    ])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def build():
    return _cnn()


def build_torch_bn():
    return _cnn(momentum=0.9, epsilon=1e-5)
