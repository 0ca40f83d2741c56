"""A PyTorch state_dict (`.pt`, `.pth`), read by `torch.load(weights_only=True)`.

weights_only=True restricts unpickling to tensors, primitive containers and a short allow-list
(torch/_weights_only_unpickler.py); any other global in the pickle is refused before it is built, so
a payload never runs. Keys are the module paths (`fc1.weight`); layouts PyTorch's own.
"""

import re

import numpy as np

from .base import Checkpoint, CheckpointError, Entry, reader, torch_layout

STATE_SUFFIXES = ("running_mean", "running_var", "num_batches_tracked")


@reader(".pt", ".pth", framework="pytorch")
def read(path):
    torch = _torch()
    with open(path, "rb") as f:
        head = f.read(4)
    if not head:
        raise CheckpointError("--weights: expected a PyTorch state_dict (.pt/.pth); found an empty file.", path=path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # UnpicklingError for a refused global; RuntimeError/EOFError for a corrupt file
        what = str(err).strip().splitlines()[0][:240] if str(err).strip() else type(err).__name__
        refused = "Unsupported global" in str(err) or "weights_only" in str(err)
        named = re.search(r"Unsupported global: GLOBAL ([\w.]+)", str(err))
        if named:  # torch's own text runs on about how to load it unsafely: name the object and the remedy
            what = (f"the pickle names {named.group(1)}; a whole model saved with torch.save(model) names its "
                    "classes: save model.state_dict() instead")
        raise CheckpointError(
            "--weights: " + ("holds pickled Python objects beyond tensors, which parity never unpickles (torch.load "
                             "with weights_only=True refused it: " if refused else
                             "cannot be read as a PyTorch state_dict (") + what + ").", path=path) from None
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]  # a training checkpoint that wraps its state_dict
    if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
        raise CheckpointError(f"--weights: expected a PyTorch state_dict (a dict of tensors by parameter name); "
                              f"found a {type(state).__name__}.", path=path)
    ckpt = Checkpoint(path, "pytorch")
    for key, value in state.items():
        if not isinstance(value, torch.Tensor):
            continue
        array = value.detach().cpu().numpy() if value.dtype != torch.bfloat16 else value.float().numpy()
        layer, _, last = key.rpartition(".")
        has_kernel = np.ndim(state.get(f"{layer}.weight", np.zeros(0))) >= 2
        if last in STATE_SUFFIXES:
            role = "state"
        elif last == "weight":
            role = "kernel" if array.ndim >= 2 else "gamma"
        elif last == "bias":
            role = "bias" if has_kernel else "beta"
        else:
            role = None
        ckpt.entries.append(Entry(key, layer or key, np.array(array), torch_layout(array.ndim) if role == "kernel"
                                  else "", role))
    if not ckpt.entries:
        raise CheckpointError("--weights: the state_dict holds no tensors.", path=path)
    return ckpt


def _torch():
    from .. import lazy

    return lazy.torch(needed_by="--weights with a PyTorch state_dict")
