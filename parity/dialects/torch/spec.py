"""What a PyTorch `.py` spec's NAME() returns (contract, "PyTorch specs"), read into one dict of parts:
model, optimizer, loss, scheduler, step, input_shape (and where input_shape came from)."""

import sys

from ...errors import SpecError

KEYS = ("model", "optimizer", "loss", "scheduler", "input_shape", "step")


def is_torch_spec(obj):
    """A module, a tuple starting with one, or a dict whose `model` is one (torch imported by the spec)."""
    torch = sys.modules.get("torch")
    if torch is None:
        return False
    module = torch.nn.Module
    if isinstance(obj, module):
        return True
    if isinstance(obj, tuple) and obj and isinstance(obj[0], module):
        return True
    return isinstance(obj, dict) and isinstance(obj.get("model"), module)


def read_parts(obj, path, name):
    """The parts dict; a bare module (optimizer None) trains with plain SGD at --lr and cross-entropy."""
    import torch

    where = f"{name}()"
    if isinstance(obj, torch.nn.Module):
        parts = {"model": obj, "optimizer": None, "loss": torch.nn.CrossEntropyLoss(), "bare": True}
    elif isinstance(obj, tuple):
        if len(obj) not in (3, 4):
            raise SpecError(f"{where} returned a tuple of {len(obj)}; a PyTorch spec's tuple is (model, optimizer, "
                            "loss) or (model, optimizer, loss, scheduler).", path=path)
        parts = dict(zip(("model", "optimizer", "loss", "scheduler"), obj))
    else:
        unknown = sorted(set(obj) - set(KEYS))
        missing = [k for k in ("model", "optimizer", "loss") if k not in obj]
        if unknown or missing:
            raise SpecError(f"{where} returned a dict with {'unknown keys ' + str(unknown) if unknown else ''}"
                            f"{' and ' if unknown and missing else ''}{'no ' + str(missing) if missing else ''}; "
                            f"expected the keys model, optimizer, loss and optionally scheduler, input_shape, step.",
                            path=path)
        parts = dict(obj)
    _check(parts, path, where, torch)
    parts["input_shape"], parts["input_from"] = _input_shape(parts, path, where)
    return parts


def _check(parts, path, where, torch):
    model, opt = parts["model"], parts["optimizer"]
    if opt is None and parts.get("bare"):
        return
    if not isinstance(opt, torch.optim.Optimizer):
        raise SpecError(f"{where}: optimizer must be a torch.optim.Optimizer; received {type(opt).__name__}.",
                        path=path)
    own = {id(p) for p in model.parameters()}
    foreign = [i for g in opt.param_groups for i, p in enumerate(g["params"]) if id(p) not in own]
    if foreign:
        raise SpecError(f"{where}: the optimizer holds {len(foreign)} parameter(s) that are not the model's own; "
                        "build it over model.parameters() (parity sets the model's weights in place).", path=path)
    if not callable(parts["loss"]):
        raise SpecError(f"{where}: loss must be callable as loss(output, y); received {type(parts['loss']).__name__}.",
                        path=path)
    sched = parts.get("scheduler")
    if sched is not None and not callable(getattr(sched, "step", None)):
        raise SpecError(f"{where}: scheduler must be a torch.optim.lr_scheduler scheduler (with step()); received "
                        f"{type(sched).__name__}.", path=path)
    if sched is not None and getattr(sched, "optimizer", opt) is not opt:
        raise SpecError(f"{where}: the scheduler steps another optimizer than the spec's own.", path=path)
    step = parts.get("step")
    if step is not None and not callable(step):
        raise SpecError(f"{where}: step must be a function step(model, optimizer, x, y); received "
                        f"{type(step).__name__}.", path=path)


def _input_shape(parts, path, where):
    shape = parts.get("input_shape")
    if shape is not None:
        try:
            shape = tuple(int(s) for s in shape)
        except (TypeError, ValueError):
            raise SpecError(f"{where}: input_shape must be a tuple of positive integers, e.g. (1, 28, 28); "
                            f"received {shape!r}.", path=path) from None
        if not shape or min(shape) < 1:
            raise SpecError(f"{where}: input_shape must be a tuple of positive integers; received {shape!r}.",
                            path=path)
        return shape, "the spec's input_shape"
    first = next((m for m in parts["model"].modules() if any(True for _ in m.parameters(recurse=False))), None)
    if first is not None and type(first).__name__ == "Linear":
        return (int(first.in_features),), f"the leading nn.Linear's in_features ({first.in_features})"
    return None, "the samples' shape (as the other side sees them), converted to C,H,W"
