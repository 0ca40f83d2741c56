"""The Keras half of the equivalent pair (equivalent_init.m): parity reports no divergence.

    parity check configs/story2/equivalent_init.m configs/story2/equivalent_keras.py \
        --data configs/story2/mnist_two_classes.npz --samples 64

MatConvNet's update with weight decay λ is g' = dzdw/N + λ·w, v ← μ·v − g', w ← w + lr·v; with a
constant rate that is Keras' SGD(momentum=μ) on the mean loss plus L2(λ/2) on every kernel and
bias. The conv over the whole 12×12×8 map is Flatten + Dense(2): the filter H×W×C×K read in
h, w, c order is the Dense kernel (H·W·C, K).
"""

import keras

LAMBDA = 0.0005


def build():
    l2 = keras.regularizers.L2(LAMBDA / 2)
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(8, (5, 5), activation="relu", kernel_regularizer=l2, bias_regularizer=l2),
        keras.layers.MaxPooling2D((2, 2), strides=(2, 2)),
        keras.layers.Flatten(),
        keras.layers.Dense(2, activation="softmax", kernel_regularizer=l2, bias_regularizer=l2),
    ])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9), loss="categorical_crossentropy")
    return model


def build_schedule():
    """The same net with the rates of schedule_init.m at every update: 0.05 for updates 1-3, then 0.01.

    Keras calls a schedule with the number of updates already applied (0 for the first), and
    PiecewiseConstantDecay's boundaries are inclusive: [2] keeps 0.05 for iterations 0, 1, 2.
    """
    model = build()
    rate = keras.optimizers.schedules.PiecewiseConstantDecay(boundaries=[2], values=[0.05, 0.01])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=rate, momentum=0.9), loss="categorical_crossentropy")
    return model
