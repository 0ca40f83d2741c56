"""How parity names and lays out a Keras model's variables: the dialect describes them, the engine runs them."""

from ..description import Tensor
from . import keras as facts

LAYOUTS = {"Dense": {"kernel": facts.DENSE_KERNEL_LAYOUT.value},
           "Conv2D": {"kernel": facts.CONV_KERNEL_LAYOUT.value}}
ROLES = {"kernel": "kernel", "bias": "bias", "gamma": "gamma", "beta": "beta", "moving_mean": "mean",
         "moving_variance": "variance"}
REGULARIZED = {"kernel": "kernel_regularizer", "bias": "bias_regularizer", "gamma": "gamma_regularizer",
               "beta": "beta_regularizer"}


def leaf_layers(model):
    """Layers in forward order, nested models flattened."""
    out = []
    for layer in model.layers:
        if hasattr(layer, "layers") and layer.__class__.__name__ in ("Sequential", "Functional", "Model"):
            out.extend(leaf_layers(layer))
        else:
            out.append(layer)
    return out


def tensors(model):
    """The model's trainable tensors grouped by layer, as parity names and lays them out."""
    result = []
    for layer in leaf_layers(model):
        layouts = LAYOUTS.get(layer.__class__.__name__, {})
        for v in layer.trainable_weights:
            role = ROLES.get(v.name, v.name)
            layout = layouts.get(v.name, "" if len(v.shape) < 2 else None)
            if layout is None:
                layout = ",".join(["h", "w", "in", "out"][-len(v.shape):]) if len(v.shape) in (2, 4) else ""
            result.append(Tensor(layer.name, v.path, role, tuple(v.shape), layout))
    return result


def initial_weights(model):
    """{"layer/i": array}: every weight of the model (trainable or not) as its description names it, copied
    now, so the description engine can start from the model's own initialisation."""
    import numpy as np

    return {f"{layer.name}/{i}": np.array(v.numpy()) for layer in leaf_layers(model)
            for i, v in enumerate(layer.weights)}
