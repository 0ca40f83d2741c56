"""Signatures of the first update that parts the sides: the weights agreed one step before, so
the difference is in the update itself. Each tensor's update on side B is fitted as
Δ_B ≈ r·Δ_A + c·w (w: the weights both sides started the update from):
r ≠ 1 is a learning-rate factor (a multiplier, or a schedule), c ≠ 0 a decay difference, and a
poor fit a different update rule (optimizer, momentum formulation, decoupled decay).
"""

import numpy as np

from ..weights import to_canonical
from .causes import (
    DECOUPLED_DECAY,
    LR_SCHEDULE,
    MOMENTUM_FORMULATION,
    OPTIMIZER,
    fix,
    framework_of,
    side_fixes,
)
from .evidence import Cause
from .update_fit import decay_causes, holds, rate_causes, tensor_fits

FIT = 1e-2


def fit(da, db, w):
    """Least squares db ≈ r·da + c·w; returns (r, c, residual and ‖c·w‖, both relative to ‖db − da‖)."""
    basis = np.stack([da.ravel(), w.ravel()], axis=1)
    coef, *_ = np.linalg.lstsq(basis, db.ravel(), rcond=None)
    r, c = (float(v) for v in coef)
    gap = np.linalg.norm(db - da)
    resid = np.linalg.norm(db - r * da - c * w) / gap if gap else 0.0
    share = float(np.linalg.norm(c * w) / gap) if gap else 0.0
    return r, c, float(resid), share


def update_causes(ctx):
    if ctx.first.quantity != "weight" or ctx.step == 0 or ctx.prev_weights is None:
        return []
    fields = {d["field"]: d for d in ctx.spec_differences or []}
    if "weight_decay" in fields and fields["weight_decay"]["cause"] == DECOUPLED_DECAY and ctx.step == 2:
        return [_decoupled(fields["weight_decay"], ctx.sides)]
    if "weight_decay" in fields and fields["weight_decay"]["cause"] == DECOUPLED_DECAY and _adam_pair(fields):
        from .torch_rules import decoupled_adam

        return [decoupled_adam(fields["weight_decay"])]  # Adam normalises a coupled decay: it parts update 1
    if "constants" in fields and "optimizer" not in fields:
        from .torch_rules import constants

        return [constants(ctx, fields["constants"])]
    moved = _rate_change(ctx)
    if "momentum_rule" in fields and moved is not None:
        return [_momentum_formulation(ctx, fields["momentum_rule"], *moved)]
    if "optimizer" in fields:  # a different rule explains everything after it; name it first
        d = fields["optimizer"]
        return [Cause(OPTIMIZER, None, None, f"The optimizers differ: side A uses {d['a']}, side B {d['b']}; "
                      "the first update parts the weights.", _rates_text(ctx, 1),
                      _optimizer_fix(ctx))] + _schedule(ctx, fields)
    causes = _schedule(ctx, fields)
    rows = []
    for m in ctx.matches:
        for ta, tb in zip(m.a, m.b):
            w = to_canonical(ctx.prev_weights[0][ta.key], ta.layout).astype(np.float64)
            da = to_canonical(ctx.weights[0][ta.key], ta.layout).astype(np.float64) - w
            db = (to_canonical(ctx.weights[1][tb.key], tb.layout).astype(np.float64) -
                  to_canonical(ctx.prev_weights[1][tb.key], tb.layout).astype(np.float64)).reshape(da.shape)
            diverged = any(r.diverged for r in ctx.rows if r.quantity == "weight" and r.key_a == ta.key)
            rows.append((ta, tb, diverged, *fit(da, db, w)))
    bad = [row for row in rows if row[2]]
    if not bad:
        return causes
    lr = ctx.rates[ctx.step - 1][0] if ctx.rates else None
    fits = tensor_fits(ctx)
    if holds(fits):
        causes += rate_causes(fits, ctx) + decay_causes(fits, ctx, lr)
    else:
        causes += _rule(bad, ctx)
    return causes


def _adam_pair(fields):
    names = fields.get("optimizer")
    return names is not None and {str(names["a"]), str(names["b"])} == {"adam", "adamw"}


def _rates_text(ctx, count):
    return "learning rates by update (A/B): " + ", ".join(f"{a:.4g}/{b:.4g}" for a, b in (ctx.rates or [])[:count])


def _schedule(ctx, fields):
    """The first update whose two learning rates differ, when that is the update that parted them."""
    for i, (ra, rb) in enumerate(ctx.rates or []):
        if ra is None or rb is None:
            break
        if abs(ra - rb) > 1e-6 * max(abs(ra), abs(rb)):
            if i + 1 != ctx.step or (i == 0 and "schedule" not in fields):
                return []  # a different base rate from the start is a constant, not a schedule
            before = "" if i == 0 else f"; the {i} update(s) before used equal rates"
            return [Cause(LR_SCHEDULE, None, None,
                          f"Update {i + 1} uses learning rate {ra:.6g} on side A and {rb:.6g} on side B{before}: "
                          "the learning-rate schedules differ.", _rates_text(ctx, i + 1), fix(LR_SCHEDULE))]
    return []


def _decoupled(d, sides):
    return Cause(DECOUPLED_DECAY, None, None,
                 "Equal at step 1, apart from step 2: one side applies weight decay decoupled (outside the momentum, "
                 "w ← w − lr·λ·w: Keras 3's optimizer weight_decay) and the other coupled (λ·w added to the gradient, "
                 "so it accumulates in the velocity: Caffe, MatConvNet, PyTorch SGD).",
                 f"side A: {d['a']}; side B: {d['b']}; the first update agrees because the velocity starts at zero",
                 side_fixes(DECOUPLED_DECAY, [s.dialect for s in sides]) or fix(DECOUPLED_DECAY))


def _rule(bad, ctx):
    """Updates that no rate or decay factor explains: the update rules differ."""
    fields = {d["field"]: d for d in ctx.spec_differences or []}
    evidence = "; ".join(f"{ta.shown}.{ta.role}: best fit Δ_B = {r:.3g}·Δ_A + {c:.3g}·w leaves {res:.0%}"
                         for ta, _, _, r, c, res, _ in bad[:4])
    for field in ("momentum", "learning_rate"):
        if field in fields:
            d = fields[field]
            return [Cause(OPTIMIZER, None, None, f"The optimizers' {field.replace('_', ' ')} differ: side A "
                          f"{d['a']}, side B {d['b']}.", evidence, fix(OPTIMIZER, None, "constant", field=field))]
    return []


def _plural(role):
    return role + ("es" if role.endswith("s") else "s")


def _close(a, b):
    return abs(a - b) <= 1e-6 * max(abs(a), abs(b))


def _rate_change(ctx):
    """(old, new) when the update that parted the sides is the first to use a new rate, equal on both."""
    if not ctx.rates or ctx.step < 2 or len(ctx.rates) < ctx.step:
        return None
    (ra, rb), (pa, pb) = ctx.rates[ctx.step - 1], ctx.rates[ctx.step - 2]
    if None in (ra, rb, pa, pb) or not _close(ra, rb) or not _close(pa, pb) or _close(ra, pa):
        return None
    return pa, ra


def _momentum_formulation(ctx, diff, old, new):
    framed = side_fixes(MOMENTUM_FORMULATION, [s.dialect for s in ctx.sides], join="; or, ")
    return Cause(
        MOMENTUM_FORMULATION, None, None,
        f"Both sides agreed through update {ctx.step - 1} and parted at update {ctx.step}, the first at the new "
        f"learning rate {new:g} (it was {old:g}); "
        f"the rates are equal on both sides, but side A puts the rate {diff['a']}, side B {diff['b']}.",
        _rates_text(ctx, ctx.step), "; or, ".join(t for t in (fix(MOMENTUM_FORMULATION), framed) if t))


def _optimizer_fix(ctx):
    """The first side whose framework can write the other side's optimizer as a line of its own."""
    from .fixes import DECAY_LINES, OPTIMIZER_LINES

    for side, other in ((0, 1), (1, 0)):
        framework = framework_of(ctx.sides[side].dialect)
        if framework in OPTIMIZER_LINES:
            line = OPTIMIZER_LINES[framework](ctx.sides[other].description)
            if line:
                decay = DECAY_LINES[framework](ctx.sides[other].description)
                return fix(OPTIMIZER, framework, side="AB"[side], line=line, decay=f"; and {decay}" if decay else "")
    return fix(OPTIMIZER)
