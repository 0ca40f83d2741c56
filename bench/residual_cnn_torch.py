"""The benchmark's residual CNN in PyTorch: the layers of residual_cnn.py (three residual blocks with
BatchNorm2d, 16-64 channels, 1x28x28 inputs, 10 classes, plain SGD at 0.01). A PyTorch spec:
`parity check bench/residual_cnn_torch.py bench/residual_cnn_torch.py` checks it against itself."""

from torch import nn

LR = 0.01


class Block(nn.Module):
    """conv-BN-ReLU-conv-BN plus a shortcut (1x1 conv where the shape changes), then ReLU."""

    def __init__(self, c_in, channels, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, channels, 3, stride=stride, padding=1)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(channels)
        self.shortcut = nn.Conv2d(c_in, channels, 1, stride=stride) if stride != 1 or c_in != channels else None

    def forward(self, x):
        y = self.bn2(self.conv2(nn.functional.relu(self.bn1(self.conv1(x)))))
        return nn.functional.relu(y + (self.shortcut(x) if self.shortcut is not None else x))


class ResidualCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 16, 3, padding=1)
        self.bn = nn.BatchNorm2d(16)
        self.blocks = nn.Sequential(Block(16, 16, 1), Block(16, 32, 2), Block(32, 64, 2))
        self.head = nn.Linear(64, 10)

    def forward(self, x):
        x = self.blocks(nn.functional.relu(self.bn(self.stem(x))))
        return self.head(x.mean(dim=(2, 3)))


def build():
    import torch

    model = ResidualCNN()
    return {"model": model, "optimizer": torch.optim.SGD(model.parameters(), lr=LR), "loss": nn.CrossEntropyLoss(),
            "input_shape": (1, 28, 28)}
