"""Signatures read off the tensors at the first divergence.

Each returns Causes with the numbers that show them: a gradient difference proportional to the
weights (a penalty), a constant ratio between the sides (a loss scale), NaN/Inf, the input.
"""

import numpy as np

from ..weights import to_canonical
from .causes import (
    DROPOUT,
    INPUT_SCALE,
    L2_CONVENTION,
    LABEL_OFFSET,
    LOSS_REDUCTION,
    NON_FINITE,
    WEIGHT_DECAY,
    fix,
    framework_of,
)
from .causes.keras import l2_argument
from .evidence import Cause

FIT = 1e-2  # a signature holds when what it leaves unexplained is under 1% of the difference
SIMPLE_RATIOS = (2.0, 0.5, 4.0, 0.25)


def _tensors(ctx, grads=True):
    """(match, role, tensor A, tensor B, a, b, w) in canonical layout, float64."""
    out = []
    source = [ev.grads_total for ev in ctx.evaluations] if grads else ctx.weights
    if any(s is None for s in source):
        return out
    for m in ctx.matches:
        for ta, tb in zip(m.a, m.b):
            a = to_canonical(source[0][ta.key], ta.layout).astype(np.float64)
            b = to_canonical(source[1][tb.key], tb.layout).astype(np.float64).reshape(a.shape)
            w = to_canonical(ctx.weights[0][ta.key], ta.layout).astype(np.float64)
            out.append((m, ta.role, ta, tb, a, b, w))
    return out


def _diverged(ctx, ta):
    """Whether any gradient row of this tensor diverged at this step."""
    return any(r.diverged for r in ctx.rows if r.quantity == "gradient" and r.key_a == ta.key)


def proportional(d, w):
    """Fit d ≈ c·w; returns (c, residual relative to ‖d‖)."""
    ww = float(np.dot(w.ravel(), w.ravel()))
    if ww == 0 or not np.any(d):
        return 0.0, 1.0
    c = float(np.dot(d.ravel(), w.ravel())) / ww
    return c, float(np.linalg.norm(d - c * w) / np.linalg.norm(d))


def penalty(ctx):
    """The gradients differ by c·w on some tensors: a weight penalty that differs between the sides."""
    hits, clean = [], []
    for m, role, ta, tb, a, b, w in _tensors(ctx):
        if not _diverged(ctx, ta):
            clean.append(f"{ta.shown}.{role}")
            continue
        c, resid = proportional(a - b, w)
        if resid < FIT and c != 0:
            hits.append((m, role, ta, tb, c, resid))
    if not hits:
        return []
    pens = [s.description.penalties() for s in ctx.sides]
    known = [bool(p) or s.dialect != "python-adapter" for p, s in zip(pens, ctx.sides)]
    factor_a = [_factor(pens[0], ta.layer, role) for _, role, ta, _, _, _ in hits]
    factor_b = [_factor(pens[1], tb.layer, role) for _, role, _, tb, _, _ in hits]
    cs = [h[4] for h in hits]
    names_a = sorted({h[2].shown for h in hits})
    roles = sorted({h[1] for h in hits})
    what = " and ".join(f"{r}s" for r in roles)
    evidence = "; ".join(f"{ta.shown}.{role}: A − B = {c:.6g}·w (fit residual {resid:.1e})"
                         for _, role, ta, _, c, resid in hits)
    if clean:
        evidence += f"; agree within tolerance: {', '.join(clean)}"
    c = float(np.median(cs))
    layer_a, layer_b = hits[0][2].shown, hits[0][3].shown
    if known[0] and not known[1]:
        return [_one_side_known(c, factor_a, "A", "B", ctx.sides, names_a, what, evidence, layer_a, layer_b)]
    if known[1] and not known[0]:
        return [_one_side_known(-c, factor_b, "B", "A", ctx.sides, names_a, what, evidence, layer_a, layer_b)]
    fa, fb = float(np.median(factor_a)), float(np.median(factor_b))
    return [Cause(WEIGHT_DECAY, layer_a, layer_b,
                  f"The {what}' gradients differ by {c:.6g}·w: the weight penalties differ (side A's gradient "
                  f"term {fa:.6g}·w, side B's {fb:.6g}·w).", evidence,
                  fix(WEIGHT_DECAY, None, "both", written_a=_written(ctx.sides[0], hits[0][2].layer, role),
                      written_b=_written(ctx.sides[1], hits[0][3].layer, role)))]


def _factor(penalties, layer, role):
    p = penalties.get((layer, role))
    return p.gradient_factor if p is not None and p.kind == "l2" else 0.0


def _written(side, layer, role):
    p = side.description.penalties().get((layer, role))
    return p.written if p else "no penalty"


def _one_side_known(c, factors, known, other, sides, names, what, evidence, layer_a, layer_b):
    """Side `known` declares its penalty (gradient factor f·w); the other's is f − c. Each side's fix is
    phrased in its own framework's terms (causes/)."""
    f = float(np.median(factors))
    g = f - c
    fw, other_fw = (framework_of(sides["AB".index(s)].dialect) for s in (known, other))
    layers = ", ".join(names)
    if f == 0:
        return Cause(WEIGHT_DECAY, layer_a, layer_b,
                     f"Side {other}'s objective adds a weight penalty on the {what} that side {known} does not have: "
                     f"its gradients carry an extra {-c:.6g}·w, a penalty of {-c / 2:.6g}·Σw².", evidence,
                     fix(WEIGHT_DECAY, fw, "add", side=known, other=other, layers=layers,
                         half=f"{l2_argument(-c):.6g}"))
    if abs(g) < 1e-3 * abs(f):
        return Cause(WEIGHT_DECAY, layer_a, layer_b,
                     f"Side {known} penalises the {what} ({_penalty_text(f, fw)}) and side {other} does not: "
                     f"the gradients differ by exactly {c:.6g}·w.", evidence,
                     fix(WEIGHT_DECAY, None, "remove", side=known, other=other, grad=f"{f:.6g}", layers=layers))
    ratio = f / g
    near = [r for r in SIMPLE_RATIOS if abs(ratio / r - 1) < FIT]
    if near:
        r = near[0]
        known_fix = fix(L2_CONVENTION, fw, side=known, layers=layers, r=f"{r:g}", scaled=f"λ/{r:g}",
                        half=f"{l2_argument(f) / r:.6g}", grad=f"{f / r:.6g}")
        other_fix = fix(L2_CONVENTION, other_fw, side=other, layers=layers, r=f"{r:g}", scaled=f"{r:g}λ",
                        half=f"{f / 2:.6g}", grad=f"{f:.6g}")
        half = " (λΣw² against ½λΣw²)" if r == 2 else ""
        return Cause(L2_CONVENTION, layer_a, layer_b,
                     f"The {what}' gradients differ by exactly {c:.4g}·w: side {known}'s {_penalty_text(f, fw)} "
                     f"has gradient {f:.4g}·w, side {other}'s penalty has gradient {g:.4g}·w — the same penalty "
                     f"written with a factor of {r:g} between the conventions{half}.", evidence,
                     f"{known_fix}; or {other_fix}")
    return Cause(WEIGHT_DECAY, layer_a, layer_b,
                 f"The penalties on the {what} differ: side {known}'s gradient term is {f:.6g}·w, side {other}'s "
                 f"{g:.6g}·w (a different λ).", evidence,
                 fix(WEIGHT_DECAY, None, "lambda", side=known, other=other, grad=f"{f:.6g}", other_grad=f"{g:.6g}"))


def _penalty_text(f, framework):
    return fix(WEIGHT_DECAY, framework, "written", lam=f"{l2_argument(f):.6g}")


def constant_scale(ctx):
    """Gradients (and the loss) of one side are a constant multiple of the other's: a loss scale."""
    tensors = [(ta, a, b) for _, _, ta, _, a, b, _ in _tensors(ctx) if _diverged(ctx, ta)]
    ratios = []
    for _, a, b in tensors:
        bb = float(np.dot(b.ravel(), b.ravel()))
        if bb == 0:
            return []
        r = float(np.dot(a.ravel(), b.ravel())) / bb
        if r == 0 or np.linalg.norm(a - r * b) > FIT * np.linalg.norm(a):
            return []
        ratios.append(r)
    ev = ctx.evaluations
    loss_ratio = ev[0].loss_total / ev[1].loss_total if ev[1].loss_total else None
    if not ratios and loss_ratio is None:
        return []
    r = float(np.median(ratios)) if ratios else loss_ratio
    if ratios and (max(ratios) - min(ratios)) > FIT * abs(r):
        return []
    if not ratios and ctx.first.quantity != "loss":
        return []
    n = len(ctx.y)
    summed = "A" if abs(r / n - 1) < FIT else "B" if abs(r * n - 1) < FIT else None
    evidence = f"A/B = {r:.6g} on {len(ratios)} gradient tensors" if ratios else ""
    if loss_ratio is not None:
        evidence += f"{'; ' if evidence else ''}loss A/B = {loss_ratio:.6g}; N = {n}"
    if summed:
        dialect = ctx.sides["AB".index(summed)].dialect
        return [Cause(LOSS_REDUCTION, None, None,
                      f"Side {summed}'s loss and gradients are N = {n} (the sample count) times the other's: it "
                      "sums over the batch where the other takes the mean.", evidence,
                      fix(LOSS_REDUCTION, dialect, "summed", side=summed))]
    if abs(r - 1) > FIT:
        return [Cause(LOSS_REDUCTION, None, None,
                      f"Side A's loss and gradients are {r:.6g} times side B's: the losses are scaled differently.",
                      evidence, fix(LOSS_REDUCTION, None, "scaled"))]
    return []


def non_finite(ctx):
    row = ctx.first
    side = row.nonfinite_side
    where = row.layer_a if side.startswith("A") else row.layer_b
    what = f"{row.quantity} {where or ''}{'.' + row.param if row.param else ''}".strip()
    sides = f"Sides {side}" if " and " in side else f"Side {side}"
    return Cause(NON_FINITE, row.layer_a, row.layer_b,
                 f"{sides} produced NaN or Inf at step {row.step} in {what}.",
                 f"step {row.step}, side {side}, {what}: not finite",
                 fix(NON_FINITE))


def input_scale(ctx):
    xa, xb = (np.asarray(x) for x in ctx.inputs)
    ra, rb = (float(xa.min()), float(xa.max())), (float(xb.min()), float(xb.max()))
    scale = (ra[1] - ra[0]) / (rb[1] - rb[0]) if rb[1] != rb[0] else float("nan")
    return Cause(INPUT_SCALE, "input", "input",
                 f"The two sides see different input values: A sees [{ra[0]:.4g}, {ra[1]:.4g}], "
                 f"B sees [{rb[0]:.4g}, {rb[1]:.4g}].",
                 f"input rel_error {ctx.first.rel_error:.3g}; range ratio A/B = {scale:.6g}",
                 fix(INPUT_SCALE))


def label_offset(ctx):
    """One side reads every label shifted by one class: with a softmax cross-entropy the output bias
    gradients then differ by exactly (count of class k − count of class k∓1) / N."""
    rows = [t for t in _tensors(ctx) if t[1] == "bias"]
    if not rows or ctx.evaluations[0].grads_total is None:
        return []
    m, _, ta, tb, a, b, _ = rows[-1]
    if a.ndim != 1:
        return []
    k, n = a.shape[0], len(ctx.y)
    counts = np.bincount(ctx.y, minlength=k)[:k].astype(np.float64)
    # A side that reads label c as class c+s trains towards counts rolled by s:
    # A − B = (roll(counts, s) − counts)/N when B shifts, the negative when A does.
    for shift in (1, -1):
        expected = (np.roll(counts, shift) - counts) / n
        for side, sign in (("B", 1.0), ("A", -1.0)):
            gap = np.linalg.norm((a - b) - sign * expected)
            if np.any(expected) and gap < FIT * np.linalg.norm(expected):
                how = "adds 1 to" if shift == 1 else "subtracts 1 from (it expects 1-based labels)"
                return [Cause(LABEL_OFFSET, ta.shown, tb.shown,
                              f"Side {side} reads label c as class c{shift:+d}: it {how} each label. Its output "
                              "gradients move the class counts by exactly one place — a 1-based label convention "
                              "(MatConvNet's) against a 0-based one.",
                              f"{ta.shown}.bias gradient A − B matches ±(count(k{-shift:+d}) − count(k))/N to "
                              f"{gap / np.linalg.norm(expected):.1e}",
                              fix(LABEL_OFFSET, None, side=side))]
    return []


def stochastic(ctx):
    """An adapter whose loss changes between two evaluations at the same weights draws random numbers
    while training (dropout, most often): two runs of it could never agree."""
    causes = []
    for i, side in enumerate(ctx.sides):
        if not side.is_adapter:
            continue
        again = ctx.engines[i].loss_at(ctx.weights[i], ctx.inputs[i], ctx.y)
        first = ctx.evaluations[i].loss_total
        if abs(again - first) <= 1e-9 * max(abs(first), abs(again), 1e-30):
            again = _after_idle_step(ctx.engines[i], ctx.inputs[i], ctx.y)
        if again is not None and abs(again - first) > 1e-9 * max(abs(first), abs(again), 1e-30):
            label = "AB"[i]
            causes.append(Cause(DROPOUT, None, None,
                                f"Side {label}'s loss differs between two evaluations at the same weights: it draws "
                                "random numbers while training — a dropout mask, most often — so no other run can "
                                "match it.",
                                f"loss(x, y) at step {ctx.step}: {first:.9g}; the same weights evaluated again (or "
                                f"after a step at learning rate 0, on a copy): {again:.9g}",
                                fix(DROPOUT, side.dialect, side=label)))
    return causes


def _after_idle_step(engine, x, y):
    """The loss of a copy of the adapter after one step at learning rate 0, which moves no weight: a
    different loss means hidden state that changes every update (a new dropout mask per step)."""
    import copy

    try:
        clone = copy.deepcopy(engine.obj)
        clone.step(x.astype(engine.x_dtype), y, 0.0)
        return float(np.asarray(clone.loss(x.astype(engine.x_dtype), y)).reshape(()))
    except Exception:  # an adapter that cannot be copied or stepped alone: no evidence either way
        return None
