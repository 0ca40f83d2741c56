"""`gradient-bug`: a side's own gradients against central differences of its own loss.

Only sides that hand-write their gradients (adapters with `grads`) are checked: autodiff
frameworks differentiate the loss they compute. The check samples at most 32 entries of the
diverging tensor and runs in float64 where the side computes in float64.
"""

import numpy as np

from .causes import GRADIENT_BUG, fix
from .evidence import Cause

ENTRIES = 32
AGREE = 1e-4  # relative: float64 central differences agree far better than this


def gradient_bugs(ctx):
    target = _diverging_gradient(ctx)
    if target is None:
        return []
    causes = []
    for i, side in enumerate(ctx.sides):
        engine = ctx.engines[i]
        if not side.is_adapter or not engine.has_grads or engine.dtype != "float64":
            continue
        key = target.key_a if i == 0 else target.key_b
        found = _check(engine, key, ctx.weights[i], ctx.inputs[i], ctx.y, ctx.evaluations[i].grads_total[key])
        if found is not None:
            label = "AB"[i]
            rel, idx, analytic, numeric = found
            causes.append(Cause(
                GRADIENT_BUG, target.layer_a, target.layer_b,
                f"Side {label}'s grads() for {key!r} disagree with finite differences of its own loss(): "
                f"side {label}'s gradient is wrong, not its objective.",
                f"{min(ENTRIES, ctx.weights[i][key].size)} sampled entries of {key}: grads() vs central "
                f"differences rel_error {rel:.3g}; e.g. entry {idx}: grads() {analytic:.6g}, "
                f"finite difference {numeric:.6g}",
                fix(GRADIENT_BUG, None, side=label, key=key)))
    return causes


def _diverging_gradient(ctx):
    if ctx.first.quantity == "gradient":
        return ctx.first
    return next((r for r in ctx.rows if r.quantity == "gradient" and r.diverged), None)


def _check(engine, key, weights, x, y, analytic):
    w = np.asarray(weights[key], dtype=np.float64)
    rng = np.random.default_rng(0)
    picks = rng.choice(w.size, size=min(ENTRIES, w.size), replace=False)
    numeric = np.empty(len(picks))
    for j, flat in enumerate(picks):
        h = 1e-6 * max(1.0, abs(w.flat[flat]))
        losses = []
        for sign in (1, -1):
            trial = dict(weights)
            moved = w.copy()
            moved.flat[flat] += sign * h
            trial[key] = moved
            losses.append(engine.loss_at(trial, x, y))
        numeric[j] = (losses[0] - losses[1]) / (2 * h)
    given = np.asarray(analytic, dtype=np.float64).ravel()[picks]
    scale = max(np.linalg.norm(given), np.linalg.norm(numeric))
    if scale == 0:
        return None
    rel = float(np.linalg.norm(given - numeric) / scale)
    if rel <= AGREE:
        return None
    worst = int(np.argmax(np.abs(given - numeric)))
    index = tuple(int(i) for i in np.unravel_index(picks[worst], w.shape))
    return rel, index, float(given[worst]), float(numeric[worst])
