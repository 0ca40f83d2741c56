"""The PyTorch side of a Keras/PyTorch CNN pair (keras_cnn.py beside it), with BatchNorm2d's defaults."""

import torch
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, bias=False)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4 * 13 * 13, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn(self.conv(x))), 2)
        return self.fc(torch.flatten(x, 1))


def build():
    model = Net()
    return {"model": model, "optimizer": torch.optim.SGD(model.parameters(), lr=0.1),
            "loss": nn.CrossEntropyLoss(), "input_shape": (1, 28, 28)}
