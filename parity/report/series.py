"""Per-step series read off a Result, shared by the plot, the HTML report and the console sparklines.

`Result.history` holds, per step, {row ident: (label, rel_error, tolerance)}; an ident is
(quantity, index, param, term). Rows are kept in the causal order of their first appearance.
"""

import math

import numpy as np


def rows(history, keep_input=False):
    """[(ident, label)] in first-appearance order; the input row (step 0 only) unless asked."""
    seen = {}
    for step in history:
        for ident, (label, _, _) in step.items():
            if ident not in seen and (keep_input or not _is_input(ident)):
                seen[ident] = label
    return list(seen.items())


def _is_input(ident):
    return ident[0] == "activation" and ident[1] == -1


def matrix(history, idents):
    """(rel_error, tolerance) arrays of shape (rows, steps); NaN where a row is absent at a step,
    +inf where a value was not finite (NaN/Inf on a side)."""
    errors = np.full((len(idents), len(history)), np.nan)
    tols = np.full((len(idents), len(history)), np.nan)
    where = {ident: k for k, ident in enumerate(idents)}
    for j, step in enumerate(history):
        for ident, (_, err, tol) in step.items():
            k = where.get(ident)
            if k is None:
                continue
            errors[k, j] = math.inf if err is None or (isinstance(err, float) and math.isnan(err)) else err
            tols[k, j] = tol
    return errors, tols


def display(label):
    """A row label for people: 'loss loss (data)' -> 'loss (data)'."""
    head, _, rest = label.partition(" ")
    return head + rest[len(head):] if rest.startswith(head) else label


def layer_name(label):
    """'gradient dense_1.kernel (data)' -> 'dense_1'; 'loss (data)' -> 'loss'."""
    parts = label.split(" ", 1)
    if len(parts) == 1:
        return label
    name = parts[1].split(" (", 1)[0]
    if name.startswith("("):
        return parts[0]
    return name.rsplit(".", 1)[0] if "." in name else name


def per_layer(history):
    """[(name, errors (steps,), exceeded (steps,))]: per parameterised layer (its weights and gradients),
    the loss and each compared activation, the largest relative error at each step."""
    idents = rows(history)
    groups = {}
    for ident, label in idents:
        quantity, index = ident[0], ident[1]
        if quantity in ("weight", "gradient"):
            key, name = ("layer", index), layer_name(label)
        elif quantity == "loss":
            key, name = ("loss",), "loss"
        else:
            key, name = (quantity, index), f"{quantity} {layer_name(label)}"
        groups.setdefault(key, [name, []])[1].append(ident)
    errors, tols = matrix(history, [i for i, _ in idents])
    where = {ident: k for k, (ident, _) in enumerate(idents)}
    out = []
    for name, members in groups.values():
        ks = [where[i] for i in members]
        e, t = errors[ks], tols[ks]
        with np.errstate(invalid="ignore"):
            worst = np.where(np.all(np.isnan(e), axis=0), np.nan, np.nanmax(np.where(np.isnan(e), -1.0, e), axis=0))
            exceeded = np.any(e > t, axis=0)
        out.append((name, worst, exceeded))
    order = {"layer": 0, "activation": 1, "loss": 2}
    keys = list(groups)
    return [out[i] for i in sorted(range(len(out)), key=lambda i: (order.get(keys[i][0], 3), i))]
