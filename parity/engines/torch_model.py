"""What parity reads of a PyTorch model besides running it: its parameterised modules, each parameter's
layout, the (C, H, W) map a flattened input came from, its dropout, and how its output relates to
probabilities (by the loss it feeds); its batch statistics saved and put back, and a batch as its tensors.
Used by the torch engine (engines/torch_engine.py) and each DDP process (engines/torch_ddp_worker.py)."""

import numpy as np

from ..frameworks import torch as facts

DROPOUTS = ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout")


def save_buffers(model):
    """A copy of the model's buffers (a BatchNorm's running statistics), to put back after a forward pass."""
    return {k: b.detach().clone() for k, b in model.named_buffers()}


def restore_buffers(torch, model, saved):
    with torch.no_grad():
        for k, b in model.named_buffers():
            b.copy_(saved[k])


def batch_tensors(torch, x, y, dtype, device):
    """Samples in the model's float type and int64 labels, on its device."""
    return (torch.as_tensor(np.asarray(x), dtype=dtype, device=device),
            torch.as_tensor(np.asarray(y).astype(np.int64), device=device))


def parameterised_modules(model):
    return [(name, m) for name, m in model.named_modules()
            if any(p.requires_grad for p in m.parameters(recurse=False))]


def parameter_layout(p, flat):
    if p.dim() == 4:
        return facts.CONV_LAYOUT.value  # (out, in, h, w)
    if p.dim() == 2 and flat:  # a Linear after torch.flatten of a (C, H, W) map: C,H,W-major
        return "out,in(c,h,w:{},{},{})".format(*flat)
    if p.dim() == 2:
        return facts.LINEAR_LAYOUT.value  # (out, in)
    return ""


def flatten_watch(torch):
    """A torch function mode that remembers the last (C, H, W) map flattened to (N, C·H·W)."""

    class FlattenWatch(torch.overrides.TorchFunctionMode):
        last = None

        def __torch_function__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            src = args[0] if args else None
            if (isinstance(src, torch.Tensor) and isinstance(out, torch.Tensor) and src.dim() == 4
                    and out.dim() == 2):
                self.last = tuple(src.shape[1:])
            return out

    return FlattenWatch()


def disable_dropout(model):
    """Unshared random masks would make any two runs differ: parity trains with dropout off."""
    names = []
    for name, module in model.named_modules():
        if type(module).__name__ in DROPOUTS and getattr(module, "p", 0):
            module.p = 0.0
            names.append(name)
    return names


def output_kind_of(loss):
    """How the model's output relates to probabilities, by the loss it feeds; None: decide by value."""
    name = type(loss).__name__
    if name == "CrossEntropyLoss" or getattr(loss, "__name__", "") == "cross_entropy":
        return "logits"
    if name == "NLLLoss" or getattr(loss, "__name__", "") == "nll_loss":
        return "log_probs"
    if name.endswith("Loss") and type(loss).__module__.startswith("torch."):
        return "as-is"  # another torch loss module (MSELoss, ...): the output is what it compares
    return None


def probe_output_kind(torch, out, y, value):
    """A loss written by the user (e.g. `lambda out, y: F.nll_loss(F.log_softmax(out, 1), y)`): it is the
    cross-entropy of logits when its value is F.cross_entropy's on this output (mean or summed over the
    batch), of log-probabilities when it is F.nll_loss's (log_softmax of log-probabilities is themselves,
    so both read the same probabilities), else the output is compared as it is."""
    if out.ndim != 2 or y.ndim != 1 or y.dtype != torch.int64:
        return "as-is"
    F = torch.nn.functional
    for kind, fn in (("logits", F.cross_entropy), ("log_probs", F.nll_loss)):
        for reduction in ("mean", "sum"):
            ref = float(fn(out, y, reduction=reduction))
            if abs(ref - value) <= 1e-6 * max(abs(ref), abs(value), 1e-12):
                return kind
    return "as-is"
