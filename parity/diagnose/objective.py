"""The objective of an adapter side fitted against the decomposed objective of the other side.

An adapter gives only its full objective L_B. The side that separates its terms (Keras, a
description engine) gives its data term D_A and its penalty P_A. Both are evaluated at a few
seeded weight points around the weights of the first divergence, and L_B is fitted by least squares

    L_B ≈ r·D_A + s·P_A + q·Σ‖kernels‖² + t·Σ‖biases‖²

(the Σ‖·‖² columns only where side A has no penalty on those tensors, so that no column repeats
another). The terms separate because they grow differently with the weights: a penalty is exactly
quadratic in them, the data term is not. The coefficients name the causes: r ≠ 1 a scaled data term
(r = N: summed against averaged over the batch); s = 0 a penalty missing on side B, s = ½ or 2 the
same penalty in another convention, another s a different λ; q ≠ 0 a kernel penalty only side B has;
t ≠ 0 a bias penalty only side B has. Nothing needs `grads()`: every cause a gradient shows, the
objective shows at the same weights.
"""

import numpy as np

from ..description.layouts import from_canonical, to_canonical
from .causes import BIAS_DECAY, L2_CONVENTION, LOSS_REDUCTION, WEIGHT_DECAY
from .fitting import Term, fit_columns

POINTS = 8  # weight points the fit uses: the weights of the divergence and seven seeded draws around them
SPREAD = {"kernel": 0.1, "bias": 0.3}  # std of the draws: large enough that a small λ still moves the loss


def objective_fit(ctx):
    """A Fit of the adapter side's objective, or None where it does not apply."""
    if ctx.engines is None or ctx.mode != "full":
        return None
    terms = [e.separates_terms for e in ctx.engines]
    if terms.count(True) != 1:
        return None
    ref = terms.index(True)
    other = 1 - ref
    points = _points(ctx, ref)
    rows = []
    try:
        for canon in points:
            native = [_native(ctx, canon, side) for side in (0, 1)]
            ev = _evaluate(ctx.engines[ref], native[ref], ctx.inputs[ref], ctx.y)
            full = ctx.engines[other].loss_at(native[other], ctx.inputs[other], ctx.y)
            rows.append((ev.loss_data, ev.loss_reg or 0.0, _squares(canon, "kernel"), _squares(canon, "bias"), full))
    finally:  # the runner's next update applies what the last evaluate computed: put it back
        ctx.engines[ref].set_weights(ctx.weights[ref])
        ctx.engines[ref].evaluate(ctx.inputs[ref], ctx.y)
    data = np.array(rows, dtype=np.float64)
    pen = ctx.sides[ref].description.penalties()
    covered = {role for (_, role), p in pen.items() if p.kind == "l2" and p.coeff}
    columns = [Term("data", data[:, 0], 1.0)]
    if covered:
        columns.append(Term("penalty", data[:, 1], 1.0))
    if "kernel" not in covered:
        columns.append(Term("kernel_squares", data[:, 2], 0.0))
    if "bias" not in covered:
        columns.append(Term("bias_squares", data[:, 3], 0.0))
    target = data[:, 4]
    noise = _noise(ctx, ref, other) * np.abs(target) + 1e-12
    result = fit_columns(columns, target, noise)
    result.sides = ("AB"[ref], "AB"[other])
    result.n = len(ctx.y)
    result.penalties = pen
    result.extra["penalised"] = [f"{layer}.{role}" for (layer, role), p in pen.items() if p.coeff]
    result.extra["agree"] = [f"{r.layer_a}.{r.param}" for r in ctx.rows if r.quantity == "gradient" and not r.diverged]
    return result


def _points(ctx, ref):
    """Canonical weights per (match index, role): the divergence's weights, then seeded draws around them."""
    base = {}
    for m in ctx.matches:
        for t in m.a:
            base[(m.index, t.role)] = to_canonical(ctx.weights[0][t.key], t.layout).astype(np.float64)
    rng = np.random.default_rng(11)
    points = [base]
    for k in range(1, POINTS):
        scale = 0.5 + 0.25 * k  # growing spreads: a quadratic term and the data term part ways
        points.append({key: w + scale * SPREAD.get(key[1], 0.1) * rng.standard_normal(w.shape)
                       for key, w in base.items()})
    return points


def _native(ctx, canon, side):
    out = {}
    for m in ctx.matches:
        for t in (m.a if side == 0 else m.b):
            out[t.key] = from_canonical(canon[(m.index, t.role)].reshape(t.canonical_shape), t.layout)
    return out


def _evaluate(engine, weights, x, y):
    engine.set_weights(weights)
    return engine.evaluate(x, y)


def _squares(canon, role):
    return float(sum(np.sum(w * w) for (_, r), w in canon.items() if r == role))


def _noise(ctx, ref, other):
    """Relative rounding of one objective value: float32 on either side sets it."""
    worst = "float32" if "float32" in (ctx.engines[ref].dtype, ctx.engines[other].dtype) else "float64"
    return 3e-7 if worst == "float32" else 1e-14


SIMPLE = (0.5, 2.0, 0.25, 4.0)  # one penalty written in two conventions: ½λΣw² against λΣw², and so on


def objective_causes(ctx):
    """(applies, causes): whether the objective fit applies to this pair, and what it names."""
    fit = objective_fit(ctx)
    if fit is None:
        return False, []
    if not fit.visible or fit.explained < 0.5:
        return True, []
    ref, other = fit.sides
    keras_ref = ctx.sides["AB".index(ref)].dialect == "keras"
    causes = []
    data = fit.term("data")
    if fit.found(data):
        causes.append(_reduction(fit, data, ref, other))
    pen = fit.term("penalty")
    if pen is not None and fit.found(pen):
        causes.append(_penalty(fit, pen, ref, other, keras_ref))
    for name, code, role in (("kernel_squares", WEIGHT_DECAY, "kernel"), ("bias_squares", BIAS_DECAY, "bias")):
        term = fit.term(name)
        if term is not None and fit.found(term):
            causes.append(_extra_penalty(fit, term, code, role, ref, other, keras_ref))
    causes = [c for c in causes if c.confidence >= POSSIBLE_CONFIDENCE]
    return True, sorted(causes, key=lambda c: -c.confidence)


POSSIBLE_CONFIDENCE = 0.3


def _cause(code, fit, term, message, fix):
    from .evidence import Cause

    covered = ", ".join(fit.extra.get("penalised", [])) or "none"
    agree = fit.extra.get("agree")
    return Cause(code, None, None, message,
                 f"the objective of side {fit.sides[1]} at {POINTS} weight points around the weights of the first "
                 f"divergence, fitted as r·data_{fit.sides[0]} + s·penalty_{fit.sides[0]} + q·Σ‖kernels‖² + "
                 f"t·Σ‖biases‖² (the terms side {fit.sides[0]} lacks): {fit.text()}; side {fit.sides[0]}'s penalty "
                 f"covers {covered}" + (f"; gradients agree within tolerance: {', '.join(agree)}" if agree else ""),
                 fix, confidence=fit.confidence(term), fit=fit.as_dict())


def _reduction(fit, term, ref, other):
    r, n = term.coef, fit.n
    if term.near(n):
        how = f"Side {other} sums its data term over the batch where side {ref} averages it (r = N = {n})"
        fix = f"side {other}: divide the summed data term (and its gradient) by the batch size"
    elif term.near(1.0 / n):
        how = f"Side {ref} sums its data term over the batch where side {other} averages it (r = 1/N, N = {n})"
        fix = f"side {ref}: average the data term over the batch (Keras' default reduction sum_over_batch_size)"
    else:
        how = f"Side {other}'s data term is {r:.6g} times side {ref}'s (another reduction or scale)"
        fix = f"scale side {other}'s data term by {1 / r:.6g}, or side {ref}'s by {r:.6g}"
    return _cause(LOSS_REDUCTION, fit, term, f"{how}: the data terms are scaled differently.", fix)


def _penalty(fit, term, ref, other, keras_ref):
    written = ", ".join(sorted({p.written for p in fit.penalties.values()}))
    s = term.coef
    lam = [p.coeff for p in fit.penalties.values() if p.kind == "l2" and p.coeff]
    lam = float(np.median(lam)) if lam else 0.0
    if term.near(0.0, rel=0.0):
        return _cause(WEIGHT_DECAY, fit, term,
                      f"Side {ref}'s objective carries a weight penalty ({written}) that side {other} does not have: "
                      f"the fitted penalty coefficient is {s:.3g}.",
                      f"side {other}: add the penalty {lam:.6g}·Σw² (gradient {2 * lam:.6g}·w); or side {ref}: "
                      "remove the regularizer")
    near = [v for v in SIMPLE if term.near(v)]
    if near:
        f = near[0]
        half = " (½λΣw² against λΣw²)" if f == 0.5 else " (λΣw² against ½λΣw²)" if f == 2.0 else ""
        times = f"{1 / f:g}" if f < 1 else f"{f:g}"
        keras_fix = (f"side {ref}: use keras.regularizers.L2({lam * f:.6g}) (= {f:g}·λ) in place of {written}"
                     if keras_ref else f"side {ref}: multiply its penalty by {f:g}")
        return _cause(L2_CONVENTION, fit, term,
                      f"The same weight penalty is written with a factor of {times} between the sides{half}: side "
                      f"{other}'s penalty is {s:.4g} × side {ref}'s {written} (λΣw² with λ = {lam:.6g}), "
                      f"i.e. {lam * s:.6g}·Σw², gradient {2 * lam * s:.6g}·w against {2 * lam:.6g}·w.",
                      f"{keras_fix}; or side {other}: multiply its penalty by {1 / f:g} (λ → {1 / f:g}λ: "
                      f"{lam:.6g}·Σw², gradient {2 * lam:.6g}·w, a NumPy update W·(1 − {2 * lam:.6g}·lr) − lr·dW)")
    return _cause(WEIGHT_DECAY, fit, term,
                  f"The penalties differ in λ: side {other}'s is {s:.4g} × side {ref}'s {written}.",
                  f"give both sides the same λ: side {other}'s penalty {lam * s:.6g}·Σw² against side {ref}'s "
                  f"{lam:.6g}·Σw²")


def _extra_penalty(fit, term, code, role, ref, other, keras_ref):
    q = term.coef
    plural = "biases" if role == "bias" else "kernels"
    reg = "bias_regularizer" if role == "bias" else "kernel_regularizer"
    fix = (f"side {ref}: {reg}=keras.regularizers.L2({q:.6g}); or side {other}: drop the penalty on the {plural}"
           if keras_ref else f"give side {ref} the same penalty, or drop side {other}'s")
    return _cause(code, fit, term,
                  f"Side {other}'s objective adds {q:.6g}·Σ‖{role}‖² on the {plural}, which side {ref}'s does not "
                  f"penalise (gradient {2 * q:.6g}·w).", fix)
