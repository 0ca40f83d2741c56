"""Fitting a checkpoint to one side: which file array starts which of the side's tensors.

Layers are matched by name (Caffe's own rule, net.cpp CopyTrainedLayersFrom; PyTorch's
load_state_dict keys); where the file's names may differ from the spec's (Keras auto-names,
traces) and some name does not match, by forward order instead, each of the side's layers
taking the first unused file layer whose arrays fit. Within a layer, arrays pair by role where
both say it, else in order; running statistics (BatchNorm) are not parameters and are skipped.
An array fits when its axes are the side's (a file of another framework's layouts does not fit)
and its shape is the tensor's native shape; vectors fit whatever MATLAB-style singleton axes they
carry. The first tensor that does not fit is the error: expected shape, found shape, file.
"""

import numpy as np

from .base import CheckpointError


class Misfit(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def fit(ckpt, tensors):
    """{tensor key: array in the side's native layout}; Misfit names the first tensor that does not fit."""
    ours = _group(tensors)
    theirs = [(name, [e for e in entries if e.role != "state"]) for name, entries in ckpt.layers()]
    theirs = [(name, entries) for name, entries in theirs if entries]
    by_name = dict(theirs)
    missing = [layer for layer, _ in ours if layer not in by_name]
    out = {}
    if not missing:
        for layer, group in ours:
            out.update(_pair(layer, group, by_name[layer], ckpt))
        return out
    if not ckpt.by_order:
        layer = missing[0]
        raise Misfit(f"layer {layer!r} ({_params(ours, layer)}) is not in the file, which has the layers "
                     f"{_list([n for n, _ in theirs])}")
    used = set()
    for layer, group in ours:
        last_error = None
        for i, (_, entries) in enumerate(theirs):
            if i in used:
                continue
            try:
                out.update(_pair(layer, group, entries, ckpt))
            except Misfit as err:
                last_error = last_error or err
                continue
            used.add(i)
            break
        else:
            if last_error is None:
                raise Misfit(f"layer {layer!r} ({_params(ours, layer)}) has no counterpart left in the file, which "
                             f"has {len(theirs)} layers with weights against {len(ours)} in the spec")
            raise last_error
    return out


def _pair(layer, group, entries, ckpt):
    roles_known = all(e.role for e in entries)
    if not roles_known and len(entries) > len(group) and all(e.array.ndim <= 1 for e in entries[len(group):]):
        # Keras 3 files number a layer's variables without names: BatchNormalization's are gamma, beta,
        # moving_mean, moving_variance (keras/src/layers/normalization/batch_normalization.py build)
        entries = entries[:len(group)]
    if len(entries) != len(group):
        names = _list([e.name for e in entries])
        raise Misfit(f"layer {layer!r} has {len(group)} parameters ({', '.join(t.role for t in group)}), but the "
                     f"file's layer {entries[0].layer!r} has {len(entries)} arrays ({names})")
    out = {}
    for i, t in enumerate(group):
        e = next((e for e in entries if e.role == t.role), None) if roles_known else entries[i]
        if e is None:
            raise Misfit(f"{t.key} ({t.role} of layer {layer!r}) has no {t.role} in the file's layer "
                         f"{entries[0].layer!r} (it holds {_list([f'{x.name} ({x.role})' for x in entries])})")
        out[t.key] = _fit_array(t, e)
    return out


def _fit_array(t, e):
    a = e.array
    expected, found = tuple(t.shape), tuple(a.shape)
    if len(expected) >= 2 and len(found) >= 2 and e.layout and t.layout and _axes(e.layout) != _axes(t.layout):
        raise Misfit(f"{t.key} ({t.role} of layer {t.layer!r}) is {_shape(expected)} in the spec's layout "
                     f"({_axes_text(t.layout)}); the file's {e.name} is {_shape(found)} in its framework's layout "
                     f"({e.layout})")
    if found == expected:
        return a
    if len(expected) <= 1 and a.size == int(np.prod(expected)) and _squeezed(found) == _squeezed(expected):
        return a.reshape(expected)
    raise Misfit(f"{t.key} ({t.role} of layer {t.layer!r}) expects shape {_shape(expected)}"
                 f"{' (' + _axes_text(t.layout) + ')' if t.layout else ''}; the file's {e.name} has shape "
                 f"{_shape(found)}")


def choose(ckpt, sides):
    """The first side (label, tensors) whose spec the checkpoint fits: (label, {key: array}, notes).

    `sides` is [(label, tensors, spec path)], A first."""
    errors = []
    for label, tensors, spec in sides:
        try:
            return label, fit(ckpt, tensors), [f"--weights {ckpt.path} fits side {label} ({spec}); "
                                               f"{'the other side gets it converted' if len(sides) > 1 else ''}"
                                               .rstrip("; ")] + ckpt.notes
        except Misfit as err:
            errors.append(f"side {label} ({spec}): {err.message}")
    raise CheckpointError(f"--weights: the {_framework(ckpt)} checkpoint fits no side: " + "; ".join(errors) + ".",
                          path=ckpt.path)


def _framework(ckpt):
    return {"caffe": "Caffe", "matconvnet": "MatConvNet", "keras": "Keras", "pytorch": "PyTorch",
            "trace": "trace"}.get(ckpt.framework, ckpt.framework)


def _group(tensors):
    out = {}
    for t in tensors:
        out.setdefault(t.layer, []).append(t)
    return list(out.items())


def _params(ours, layer):
    group = dict(ours)[layer]
    return ", ".join(f"{t.role} {_shape(t.shape)}" for t in group)


def _axes(layout):
    return tuple(a.strip() for a in layout.split("(")[0].split(",")) if layout else ()


def _axes_text(layout):
    return layout.split("(")[0]


def _shape(shape):
    return "x".join(str(int(s)) for s in shape) if len(shape) else "a scalar"


def _squeezed(shape):
    return tuple(s for s in shape if s != 1)


def _list(names, limit=8):
    text = ", ".join(repr(n) for n in names[:limit])
    return text + (f" and {len(names) - limit} more" if len(names) > limit else "") if names else "none"
