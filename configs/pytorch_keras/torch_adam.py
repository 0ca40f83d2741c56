"""PyTorch Adam sides against keras_adam.py: `build` is Adam(eps=1e-8) (ε added to √v̂),
`build_wd` Adam(weight_decay=0.01) (coupled: λ·w added to every gradient, biases included)."""

import torch
from torch import nn


def _mlp():
    return nn.Sequential(nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10))


def build():
    model = _mlp()
    return model, torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-8), nn.CrossEntropyLoss()


def build_wd():
    model = _mlp()
    return model, torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-8, weight_decay=0.01), nn.CrossEntropyLoss()
