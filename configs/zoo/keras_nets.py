"""Keras sides of the zoo (configs/zoo/zoo.toml lists every pair and what it must report).

Most builders are variations of `configs/caffe_keras/keras_model.py`: 28×28×1 input, Conv2D(8, 3×3)
+ ReLU, MaxPooling2D(2×2), Flatten, Dense(10, softmax), categorical cross-entropy, SGD(0.05,
momentum 0.9), Caffe's weight decay λ = 0.0005 written as L2(λ/2) on kernels and biases. Each
builder changes one thing, as a porting mistake (planted) or as the same thing written another
way (equivalent). The docstring of each says which, and against what.
"""

import keras

LAMBDA = 0.0005  # Caffe's weight_decay in configs/caffe_keras/solver.prototxt and the zoo's solvers
LR = 0.05


def _l2():
    return keras.regularizers.L2(LAMBDA / 2)


def _net(*, optimizer=None, loss="categorical_crossentropy", regularize=True, conv_activation="relu",
         filters=8, padding="valid", pool=None, flatten=None, middle=(), conv_bias=True):
    """The caffe_keras net; each keyword replaces one part of it."""
    reg = _l2() if regularize else None
    layers = [keras.Input((28, 28, 1)),
              keras.layers.Conv2D(filters, (3, 3), padding=padding, activation=conv_activation, use_bias=conv_bias,
                                  kernel_regularizer=reg, bias_regularizer=reg if conv_bias else None),
              *middle,
              pool if pool is not None else keras.layers.MaxPooling2D((2, 2)),
              flatten if flatten is not None else keras.layers.Flatten(),
              keras.layers.Dense(10, activation="softmax", kernel_regularizer=reg, bias_regularizer=reg)]
    model = keras.Sequential(layers)
    model.compile(optimizer=optimizer or keras.optimizers.SGD(learning_rate=LR, momentum=0.9), loss=loss)
    return model


# ---- planted: one porting mistake against configs/caffe_keras/solver.prototxt or another builder here


def build_adam():
    """optimizer: Adam where the Caffe solver runs SGD with momentum (the rest is the twin)."""
    return _net(optimizer=keras.optimizers.Adam(learning_rate=LR))


def build_keras2_decay():
    """lr-decay-ignored: a Keras 2 port of Caffe's `lr_policy: "inv"`, power 1, gamma 0.01
    (lr / (1 + 0.01·iter)) as `SGD(..., decay=0.01)`. Keras 3 accepts `decay=`, warns, and ignores it:
    the rate stays 0.05 (against configs/zoo/solver_inv.prototxt)."""
    return _net(optimizer=keras.optimizers.SGD(learning_rate=LR, momentum=0.9, decay=0.01))


def build_same_padding():
    """padding: Conv2D(padding="same") where Caffe's convolution has pad 0 (26×26 against 28×28)."""
    return _net(padding="same")


def build_wide():
    """architecture: Conv2D(16) where the Caffe twin has num_output 8."""
    return _net(filters=16)


def build_pool3_stride2():
    """pool-rounding: MaxPooling2D(3, strides=2) on the 26×26 map floors to 12×12; Caffe's pooling
    (configs/zoo/solver_pool_ceil.prototxt) rounds up to 13×13."""
    return _net(pool=keras.layers.MaxPooling2D((3, 3), strides=(2, 2)))


def build_flatten_channels_first():
    """flatten-order: Flatten(data_format="channels_first") on channels-last data. Keras 3 moves axis 1
    (here H) to the end before flattening, so the Dense layer reads the 13×13×8 map in w, c, h order
    instead of h, w, c: a permutation of the same features (the twin flattens C, H, W, which parity
    converts)."""
    return _net(flatten=keras.layers.Flatten(data_format="channels_first"))


def build_bn_keras_eps():
    """batchnorm: Conv2D(use_bias=False) + BatchNormalization() with Keras' default epsilon 1e-3, where the
    Caffe twin (configs/zoo/solver_bn.prototxt) has BatchNorm + Scale with Caffe's eps 1e-5."""
    return _bn(1e-3)


def build_bn_caffe_eps():
    """equivalent: the same with epsilon=1e-5, Caffe's BatchNorm default."""
    return _bn(1e-5)


def _bn(eps):
    return _net(conv_activation=None, regularize=False, conv_bias=False,
                optimizer=keras.optimizers.SGD(learning_rate=LR, momentum=0.9),
                middle=(keras.layers.BatchNormalization(epsilon=eps), keras.layers.Activation("relu")))


# ---- two Keras sides: the same net with one difference (no regularizers, plain SGD)


def build_plain():
    """The twin without weight penalties, plain SGD at 0.05: also the Keras side of
    `configs/caffe_keras/net.prototxt` (a net alone: plain SGD at --lr) under --optimizer sgd."""
    return _net(regularize=False, optimizer=keras.optimizers.SGD(learning_rate=LR))


def build_plain_mse():
    """loss-function: build_plain trained on mean squared error against the one-hot labels."""
    return _net(regularize=False, optimizer=keras.optimizers.SGD(learning_rate=LR), loss="mse")


def build_plain_sigmoid():
    """activation: build_plain with a sigmoid after the conv instead of a ReLU."""
    return _net(regularize=False, optimizer=keras.optimizers.SGD(learning_rate=LR), conv_activation="sigmoid")


def build_plain_sum():
    """loss-reduction: build_plain with the cross-entropy summed over the batch, not averaged."""
    loss = keras.losses.CategoricalCrossentropy(reduction="sum")
    return _net(regularize=False, optimizer=keras.optimizers.SGD(learning_rate=LR), loss=loss)


# ---- equivalent: the twin of a Caffe solver in this folder, written the Keras way


def build_nesterov():
    """Caffe `type: "Nesterov"` (configs/zoo/solver_nesterov.prototxt) at a constant rate is Keras
    SGD(nesterov=True): both apply w ← w − lr·g − μ·h with the new history h."""
    return _net(optimizer=keras.optimizers.SGD(learning_rate=LR, momentum=0.9, nesterov=True))


def build_adam_twin():
    """Caffe Adam with delta 1e-7 (configs/zoo/solver_adam.prototxt) is Keras Adam(epsilon=1e-7):
    both add ε to the uncorrected √v and fold the bias corrections into the rate."""
    return _net(optimizer=keras.optimizers.Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7))


def build_avg_pool():
    """Caffe AVE pooling 2×2 stride 2 (configs/zoo/solver_ave.prototxt) on the even 26×26 map, no
    padding: Keras AveragePooling2D((2, 2)) — no window is clipped, so the divisors agree."""
    return _net(pool=keras.layers.AveragePooling2D((2, 2)))


def build_same_pad1():
    """Conv2D(padding="same") for a 3×3 stride-1 kernel pads 1 on every side: Caffe pad 1
    (configs/zoo/solver_pad1.prototxt)."""
    return _net(padding="same")


# ---- equivalent, two Keras sides: a story-1 MLP written two ways


def _mlp(split):
    dense = ([keras.layers.Dense(30), keras.layers.Activation("sigmoid"),
              keras.layers.Dense(10), keras.layers.Activation("softmax")] if split else
             [keras.layers.Dense(30, activation="sigmoid"), keras.layers.Dense(10, activation="softmax")])
    model = keras.Sequential([keras.Input((784,)), *dense])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5), loss="categorical_crossentropy")
    return model


def build_mlp_fused():
    """Dense(30, activation="sigmoid"), Dense(10, activation="softmax")."""
    return _mlp(split=False)


def build_mlp_split():
    """The same MLP written Dense(30) + Activation("sigmoid"), Dense(10) + Activation("softmax")."""
    return _mlp(split=True)


def build_saved():
    """The model saved as configs/zoo/saved_twin.keras, written once by
    `python -c "import sys; sys.path.insert(0, 'configs/zoo'); import keras_nets;
    keras_nets.build_saved().save('configs/zoo/saved_twin.keras')"` (the weights in the file are never
    used: parity gives both sides the same seeded weights)."""
    return _net()


def build_mlp_relu():
    """The Keras twin of configs/zoo/numpy_nets.py: Dense(32, relu), Dense(10, softmax), cross-entropy,
    SGD(0.1); the NumPy net stores its matrices (out, in) and computes in float64."""
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="categorical_crossentropy")
    return model
