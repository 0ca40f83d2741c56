"""A PyTorch MLP whose loss is a function of the user's own, against the Keras model it is equivalent to."""

import keras
import torch
import torch.nn.functional as F


def torch_nll_lambda():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 24), torch.nn.Tanh(), torch.nn.Linear(24, 10))
    return {"model": model, "optimizer": torch.optim.SGD(model.parameters(), lr=0.1),
            "loss": lambda out, y: F.nll_loss(F.log_softmax(out, 1), y)}


def torch_mse_own():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 24), torch.nn.Tanh(), torch.nn.Linear(24, 10),
                                torch.nn.Softmax(dim=1))
    return {"model": model, "optimizer": torch.optim.SGD(model.parameters(), lr=0.1),
            "loss": lambda out, y: ((out - F.one_hot(y, 10).to(out.dtype)) ** 2).mean()}


def keras_softmax():
    inp = keras.Input((784,))
    out = keras.layers.Dense(10, activation="softmax")(keras.layers.Dense(24, activation="tanh")(inp))
    model = keras.Model(inp, out)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
    return model


def keras_mse():
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(24, activation="tanh"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    return model
