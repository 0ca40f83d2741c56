"""The first update that parts the sides, fitted per tensor as Δ_B ≈ r·Δ_A + c·w, and read as rates,
per-parameter multipliers and decays.

With the same gradients g and a plain (or first momentum) step, side X moves a tensor by
Δ_X = −lr_X·m_X·(g + f_X·w): lr_X its rate, m_X the tensor's multiplier, f_X its decay factor
(the gradient of its penalty or solver decay, f·w). Then Δ_B = r·Δ_A + c·w with
r = (lr_B·m_B)/(lr_A·m_A) and c = −lr_B·m_B·(f_B − f_A), so

- the kernels' common r is the ratio of the base rates (`optimizer`: the rates differ);
- a tensor whose r/r_kernels ≠ 1 has its own multiplier (`lr-multiplier`);
- Δf = f_B − f_A = −c / (lr_A·r) is a decay difference, named against the declared factors:
  one side 0 (`weight-decay`, or `bias-decay` when only the biases differ), a simple ratio
  (`l2-convention`), another ratio (`weight-decay`, a different λ).
"""

import numpy as np

from ..description.layouts import to_canonical
from .causes import BIAS_DECAY, L2_CONVENTION, LR_MULTIPLIER, OPTIMIZER, WEIGHT_DECAY, fix, side_fixes
from .causes.keras import l2_argument
from .fitting import FIT, Fit, Term, fit_columns

SIMPLE = (0.5, 2.0, 0.25, 4.0)
EPS = {"float32": 2e-7, "float64": 1e-13}  # relative rounding of one weight entry after an update


def tensor_fits(ctx):
    """[(ta, tb, diverged, Fit)] for every matched tensor of the update that parted the sides."""
    eps = max(EPS.get(e.dtype, 1e-6) for e in ctx.engines) if ctx.engines else 1e-6
    mults = [_multipliers(s.description) for s in ctx.sides]
    out = []
    for m in ctx.matches:
        for ta, tb in zip(m.a, m.b):
            w = to_canonical(ctx.prev_weights[0][ta.key], ta.layout).astype(np.float64)
            new_a = to_canonical(ctx.weights[0][ta.key], ta.layout).astype(np.float64)
            new_b = to_canonical(ctx.weights[1][tb.key], tb.layout).astype(np.float64).reshape(w.shape)
            prev_b = to_canonical(ctx.prev_weights[1][tb.key], tb.layout).astype(np.float64).reshape(w.shape)
            da, db = new_a - w, new_b - prev_b
            noise = eps * (np.abs(new_b) + np.abs(new_a)).ravel() + 1e-30
            if _collinear(da, w):
                fit = _fit_at_declared_rate(da, db, w, noise, _declared_ratio(ctx, ta, tb, mults))
            else:
                fit = fit_columns([Term("rate", da.ravel(), 1.0), Term("decay", w.ravel(), 0.0)], db.ravel(), noise)
            diverged = any(r.diverged for r in ctx.rows if r.quantity == "weight" and r.key_a == ta.key)
            out.append((ta, tb, diverged, fit))
    return out


def _collinear(da, w):
    """Whether the update and the weights point the same way (weights grown from zero by one step), so
    that a rate and a decay cannot be told apart by the update alone."""
    na, nw = np.linalg.norm(da), np.linalg.norm(w)
    return na > 0 and nw > 0 and abs(float(np.dot(da.ravel(), w.ravel()))) / (na * nw) > 0.99


def _fit_at_declared_rate(da, db, w, noise, ratio):
    """Δ_B − r·Δ_A ≈ c·w with r the declared ratio (rates and multipliers): only the decay is fitted."""
    decay = Term("decay", w.ravel(), 0.0)
    part = fit_columns([decay], (db - ratio * da).ravel(), noise)
    rate = Term("rate", da.ravel(), 1.0, ratio, 0.0)
    resid = float(np.linalg.norm(db - ratio * da - decay.coef * w))
    return Fit([rate, decay], float(np.linalg.norm(db - da)), resid, part.noise,
               {"rate": "as declared (the update is parallel to the weights)"})


def _declared_ratio(ctx, ta, tb, mults):
    rates = ctx.rates[ctx.step - 1] if ctx.rates and len(ctx.rates) >= ctx.step else (None, None)
    base = rates[1] / rates[0] if None not in rates and rates[0] else 1.0
    return base * mults[1].get((tb.layer, tb.role), 1.0) / mults[0].get((ta.layer, ta.role), 1.0)


def _multipliers(desc):
    from .views import parameters

    return {(name, role): float(m or 1.0) for rows in parameters(desc) for name, role, m, _, _ in rows}


def holds(fits):
    return all(f.holds or not f.visible for _, _, d, f in fits if d)


def rate_causes(fits, ctx):
    """`optimizer` for a base-rate ratio on the kernels, `lr-multiplier` for tensors apart from it."""
    from .evidence import Cause

    kernels = [f for ta, _, _, f in fits if ta.role == "kernel" and np.any(f.term("rate").column)]
    if not kernels:
        return []
    base = float(np.median([f.term("rate").coef for f in kernels]))
    causes = []
    moved = [f for f in kernels if f.visible and f.found(f.term("rate"))]
    if abs(base - 1) > FIT and moved:
        conf = min(f.confidence(f.term("rate")) for f in moved)
        rates = ctx.rates[ctx.step - 1] if ctx.rates and len(ctx.rates) >= ctx.step else None
        declared = (f"; the declared rates of this update are {rates[0]:.6g} (A) and {rates[1]:.6g} (B)"
                    if rates and None not in rates else "")
        causes.append(Cause(
            OPTIMIZER, None, None,
            f"Side B's updates of the kernels are {base:.4g}× side A's: the learning rates differ{declared}.",
            "; ".join(f"{ta.shown}.{ta.role}: Δ_B = {f.term('rate').coef:.5g}·Δ_A + {f.term('decay').coef:.3g}·w, "
                      f"residual {f.residual / f.gap if f.gap else 0:.1g}" for ta, _, _, f in fits[:4]),
            fix(OPTIMIZER, None, "rate"), confidence=conf,
            fit={"rate_ratio": float(f"{base:.6g}")}))
    odd = []
    for ta, tb, _, f in fits:
        t = f.term("rate")
        ratio = t.coef / base if base else 0.0
        if f.visible and abs(ratio - 1) > FIT and abs(t.coef - base) > max(3 * t.se, FIT * abs(base)):
            odd.append((ta, tb, f, ratio))
    if odd:
        roles = sorted({ta.role for ta, _, _, _ in odd})
        ratios = sorted({float(f"{r:.3g}") for _, _, _, r in odd})
        names = ", ".join(f"{ta.shown}.{ta.role}" for ta, _, _, _ in odd)
        conf = min(f.confidence(Term("m", f.term("rate").column, base, f.term("rate").coef, f.term("rate").se))
                   for _, _, f, _ in odd)
        causes.append(Cause(
            LR_MULTIPLIER, odd[0][0].shown, odd[0][1].shown,
            f"Side B updates the {' and '.join(_plural(r) for r in roles)} {', '.join(f'{r:g}' for r in ratios)}× "
            f"as fast as its kernels' rate would: a per-parameter learning-rate multiplier (Caffe lr_mult, "
            f"MatConvNet learningRate) on {names}.",
            "; ".join(f"{ta.shown}.{ta.role}: update B/A = {f.term('rate').coef:.4g}, the kernels' {base:.4g}"
                      for ta, _, f, _ in odd),
            side_fixes(LR_MULTIPLIER, [s.dialect for s in ctx.sides], role=roles[0]) or fix(LR_MULTIPLIER),
            confidence=conf, fit={"multipliers": {f"{ta.shown}.{ta.role}": float(f"{r:.6g}") for ta, _, _, r in odd}}))
    return causes


def decay_causes(fits, ctx, lr):
    """Decay differences per role, named against the factors each side declares."""
    if not lr:
        return []
    declared = [_declared(s.description) for s in ctx.sides]
    by_role = {}
    for ta, tb, _, f in fits:
        t = f.term("decay")
        if not f.visible or not f.found(t):
            continue
        r = f.term("rate").coef or 1.0
        delta = -t.coef / (lr * r)  # f_B − f_A
        fa, fb = declared[0].get((ta.layer, ta.role)), declared[1].get((tb.layer, tb.role))
        if fa is not None:
            fb = fa + delta
        elif fb is not None:
            fa = fb - delta
        by_role.setdefault(ta.role, []).append((ta, tb, f, delta, fa, fb))
    causes = []
    kernel_code = None
    for role in sorted(by_role, key=lambda r: r != "kernel"):  # kernels first: biases may fold into them
        hits = by_role[role]
        code, text = _classify(role, hits)
        if role != "kernel" and kernel_code is not None and (
                code == kernel_code or (kernel_code, code) == (WEIGHT_DECAY, BIAS_DECAY)):
            continue  # the same difference on the biases: part of the kernels' cause
        if role == "kernel":
            kernel_code = code
        conf = min(f.confidence(f.term("decay")) for _, _, f, _, _, _ in hits)
        delta = float(np.median([h[3] for h in hits]))
        causes.append(_fitted_cause(code, hits[0][0].shown, hits[0][1].shown, text,
                             "; ".join(f"{ta.shown}.{ta.role}: Δ_B = {f.term('rate').coef:.5g}·Δ_A + "
                                       f"{f.term('decay').coef:.4g}·w (f_B − f_A = {d:.4g}, fit residual "
                                       f"{f.residual / f.gap if f.gap else 0:.1g})" for ta, _, f, d, _, _ in hits[:4]),
                             _fix(code, role, hits, ctx), conf,
                             {"decay_difference": float(f"{delta:.6g}"), "role": role}))
    return causes


def _fitted_cause(code, la, lb, message, evidence, fix, confidence, fit):
    from .evidence import Cause

    return Cause(code, la, lb, message, evidence, fix, confidence=confidence, fit=fit)


def _classify(role, hits):
    fa = _median([h[4] for h in hits])
    fb = _median([h[5] for h in hits])
    delta = _median([h[3] for h in hits])
    plural = _plural(role)
    if fa is None or fb is None:
        more = "B" if delta > 0 else "A"
        code = BIAS_DECAY if role == "bias" else WEIGHT_DECAY
        return code, f"Side {more} decays the {plural} by an extra {abs(delta):.4g}·w in each gradient."
    small = 0.02 * abs(delta)
    if abs(fa) <= small or abs(fb) <= small:
        has = "A" if abs(fb) <= small else "B"
        code = BIAS_DECAY if role == "bias" else WEIGHT_DECAY
        note = " (Caffe and MatConvNet decay biases unless decay_mult / weightDecay is 0)" if role == "bias" else ""
        return code, (f"Side {has} decays the {plural} ({max(abs(fa), abs(fb)):.4g}·w in each gradient) and the "
                      f"other side does not{note}.")
    ratio = fb / fa
    near = [s for s in SIMPLE if abs(ratio / s - 1) < 0.02]
    if near:
        return L2_CONVENTION, (f"Both sides decay the {plural}, side B by {near[0]:g}× side A ({fb:.4g}·w against "
                                 f"{fa:.4g}·w in each gradient): the same penalty written in two conventions — "
                                 "Keras L2(λ) adds λΣw² (gradient 2λw), a solver's weight_decay λ adds λw.")
    return WEIGHT_DECAY, (f"The sides decay the {plural} with different λ: {fa:.4g}·w (A) against {fb:.4g}·w (B) "
                            "in each gradient.")


def _fix(code, role, hits, ctx):
    fa = _median([h[4] for h in hits])
    target = _median([h[5] for h in hits])
    delta = abs(_median([h[3] for h in hits]) or 0.0)
    if code in (WEIGHT_DECAY, BIAS_DECAY):  # the registry's phrasing per side, as for any decay difference
        values = {"half": f"{l2_argument(delta):.4g}", "lam": f"{delta:.4g}"}
        framed = side_fixes(code, [s.dialect for s in ctx.sides], join=", or ", **values)
        tail = fix(code, None, **values) if code == WEIGHT_DECAY or framed is None else None
        return ", or ".join(t for t in (framed, tail) if t)
    reg = "bias_regularizer" if role == "bias" else "kernel_regularizer"
    if target is None or fa is None:
        return f"give both sides the same decay on the {_plural(role)}"
    return (f"Keras: {reg}=keras.regularizers.L2({l2_argument(target):.6g}) (= the solver's λ/2); or make the "
            f"solver's weight_decay {fa:.6g}")


def _declared(desc):
    from .views import parameters

    return {(name, role): decay for rows in parameters(desc) for name, role, _, decay, _ in rows}


def _median(values):
    values = [v for v in values if v is not None]
    return float(np.median(values)) if values else None


def _plural(role):
    return role + ("es" if role.endswith("s") else "s")
