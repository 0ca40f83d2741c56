"""The PyTorch story's network, written for parity in the style of pytorch/examples' MNIST example:
two convolutions, max-pooling, dropout, two linear layers, log_softmax with NLL loss, Adadelta with a
StepLR schedule, and the input normalised by the training set's mean and deviation. Smaller channel
counts than the example keep the check quick; the structure is the same."""

import torch
import torch.nn.functional as F
from torch import nn

MEAN, STD = 0.1307, 0.3081  # MNIST's pixel mean and deviation on [0, 1], as the example normalises


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, 1)
        self.conv2 = nn.Conv2d(8, 16, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(16 * 12 * 12, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.dropout2(x)
        return F.log_softmax(self.fc2(x), dim=1)


def preprocess(x):
    """The example's transforms.ToTensor() then Normalize((0.1307,), (0.3081,)) on 8-bit pixels."""
    return (x / 255.0 - MEAN) / STD


def build():
    model = Net()
    optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    return {"model": model, "optimizer": optimizer, "loss": nn.NLLLoss(), "scheduler": scheduler,
            "input_shape": (1, 28, 28)}
