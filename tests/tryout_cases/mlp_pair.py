"""One small MLP written in PyTorch and in Keras (tests/test_tryout.py): SGD, no weight decay on either side,
or cross-entropy with label smoothing on one side only."""

import keras
import torch
from torch import nn


def torch_sgd(momentum=0.0, label_smoothing=0.0):
    model = nn.Sequential(nn.Linear(12, 8), nn.ReLU(), nn.Linear(8, 3))
    return (model, torch.optim.SGD(model.parameters(), lr=0.1, momentum=momentum),
            nn.CrossEntropyLoss(label_smoothing=label_smoothing))


def keras_sgd(momentum=0.0):
    model = keras.Sequential([keras.Input((12,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(3)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=momentum),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def keras_l1():
    model = keras.Sequential([keras.Input((12,)), keras.layers.Dense(8, activation="relu",
                                                                     kernel_regularizer=keras.regularizers.L1(1e-3)),
                              keras.layers.Dense(3)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def torch_momentum():
    return torch_sgd(momentum=0.9)


def keras_momentum():
    return keras_sgd(momentum=0.9)
