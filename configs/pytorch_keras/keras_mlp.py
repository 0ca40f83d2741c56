"""The Keras side of an equivalent Keras/PyTorch MLP pair (torch_mlp.py beside it).

`build`: SGD with momentum 0.9 and `L2(λ/2)` on the kernels: λ·w in each kernel's gradient, what torch's
`weight_decay=λ` adds to the weights it is given. `build_step`: the same with a staircase schedule that
halves the rate every 5 updates, as torch's StepLR(step_size=5, gamma=0.5) stepped once per update.
`build_plain`: no penalty.
"""

import keras

LAMBDA = 1e-3
LR = 0.1


def _mlp(learning_rate, decay=True):
    l2 = keras.regularizers.L2(LAMBDA / 2) if decay else None
    model = keras.Sequential([
        keras.Input((784,)),
        keras.layers.Dense(32, activation="relu", kernel_regularizer=l2),
        keras.layers.Dense(10, kernel_regularizer=l2),
    ])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def build():
    return _mlp(LR)


def build_step():
    return _mlp(keras.optimizers.schedules.ExponentialDecay(LR, decay_steps=5, decay_rate=0.5, staircase=True))


def build_plain():
    return _mlp(LR, decay=False)
