"""A PyTorch and a Keras Adam MLP, each with its framework's default ε (tests/test_tryout.py): PyTorch 1e-8
added to √v̂, Keras 1e-7 added to √v."""

import keras
import torch
from torch import nn


def torch_adam():
    model = nn.Sequential(nn.Linear(12, 8), nn.Tanh(), nn.Linear(8, 3))
    return model, torch.optim.Adam(model.parameters(), lr=1e-2), nn.CrossEntropyLoss()


def keras_adam():
    model = keras.Sequential([keras.Input((12,)), keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(3)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model
