"""The PyTorch side of an equivalent Keras/PyTorch MLP pair (keras_mlp.py beside it).

`build`: SGD with momentum 0.9 and coupled weight decay λ on the weights only (a second parameter
group without decay holds the biases), as Keras's `L2(λ/2)` on kernels adds λ·w to their gradients.
`build_step`: the same with a StepLR schedule (step_size=5, gamma=0.5), stepped once per update.
`build_plain`: no weight decay (against keras_mlp.py:build_plain). `build_doubled`: `build_plain` trained by a
`step` of the user's own that doubles every gradient. `build_sum`: `build_plain` with
`CrossEntropyLoss(reduction="sum")`.
"""

import torch
from torch import nn

LAMBDA = 1e-3
LR = 0.1


def _model():
    return nn.Sequential(nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10))


def _weights_only(model):
    decayed = [p for name, p in model.named_parameters() if name.endswith("weight")]
    rest = [p for name, p in model.named_parameters() if not name.endswith("weight")]
    return [{"params": decayed, "weight_decay": LAMBDA}, {"params": rest, "weight_decay": 0.0}]


def build():
    model = _model()
    return model, torch.optim.SGD(_weights_only(model), lr=LR, momentum=0.9), nn.CrossEntropyLoss()


def build_step():
    model, optimizer, loss = build()
    return model, optimizer, loss, torch.optim.lr_scheduler.StepLR(optimizer, step_size=5, gamma=0.5)


def build_plain():
    model = _model()
    return model, torch.optim.SGD(model.parameters(), lr=LR, momentum=0.9), nn.CrossEntropyLoss()


def doubled_step(model, optimizer, x, y):
    optimizer.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    for p in model.parameters():
        p.grad.mul_(2.0)  # the user's bug: every gradient doubled
    optimizer.step()


def build_doubled():
    model, optimizer, loss = build_plain()
    return {"model": model, "optimizer": optimizer, "loss": loss, "step": doubled_step}


def build_sum():
    model, optimizer, _ = build_plain()
    return model, optimizer, nn.CrossEntropyLoss(reduction="sum")
