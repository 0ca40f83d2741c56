"""Update rules that part PyTorch from Keras with the same names: where Adam adds ε, and Adam's coupled
weight decay against AdamW's decoupled one (frameworks/torch.py has the rules with their sources)."""

import numpy as np

from ..frameworks import torch as facts
from .causes import DECOUPLED_DECAY, OPTIMIZER
from .evidence import Cause


def constants(ctx, diff):
    """The adaptive rule's constants differ (by value, or where ε is added)."""
    a, b = diff["a"] or {}, diff["b"] or {}
    differing = [k for k in dict.fromkeys([*a, *b]) if a.get(k) != b.get(k)]
    evidence = "; ".join(f"{k}: A {a.get(k)}, B {b.get(k)}" for k in differing)
    placement = [k for k in differing if "added to" in str(a.get(k)) and "added to" in str(b.get(k))
                 and str(a.get(k)).split(" ")[0] == str(b.get(k)).split(" ")[0]]
    if placement:
        beta_2 = float(a.get("beta_2") or b.get("beta_2") or 0.999)
        eps = float(str(a.get("epsilon")).split(" ")[0])
        hat = eps / np.sqrt(1 - beta_2 ** ctx.step)
        return Cause(OPTIMIZER, None, None,
                     "Both sides use Adam with the same ε, added in different places: PyTorch adds it to "
                     "√v̂ = √v/√(1−β₂ᵗ), Keras 3 to √v, so Keras's ε acts as ε̂ = ε/√(1−β₂ᵗ), larger at the start.",
                     f"{evidence}; at update {ctx.step} Keras's ε = {eps:g} is ε̂ = {hat:.3g} in PyTorch's terms "
                     f"({facts.ADAM_EPS.source}; {facts.KERAS_ADAM_EPS.source})",
                     "no constant matches them at every update: make ε negligible on both sides to compare (PyTorch: "
                     "Adam(eps=1e-12); Keras: Adam(epsilon=1e-12)), or accept a difference that fades as 1−β₂ᵗ → 1")
    return Cause(OPTIMIZER, None, None,
                 f"The optimizers share a name but not their constants: {', '.join(differing)} differ "
                 "(PyTorch and Keras default them differently).", evidence, _constants_fix(ctx, a, b, differing))


def _constants_fix(ctx, a, b, differing):
    """Each framework's arguments that give it the other side's constants. An ε written with where it is added
    ("1e-08 added to √v̂") passes its number; where the places differ too, no ε value gives parity."""
    eps_a, eps_b = str(a.get("epsilon")), str(b.get("epsilon"))
    placed_apart = "added" in eps_a and "added" in eps_b and eps_a.split(" ", 1)[1] != eps_b.split(" ", 1)[1]
    fixes = []
    for theirs, side in ((b, ctx.sides[0]), (a, ctx.sides[1])):
        opt = side.description.optimizer
        cls = opt.kind.split(".")[-1] if opt is not None else "the optimizer"
        values = {k: (str(theirs.get(k)).split(" ")[0] if "added" in str(theirs.get(k)) else theirs.get(k))
                  for k in differing}
        if side.dialect == "pytorch":
            args = ", ".join(f"{_torch_name(k, cls)}={values[k]}" for k in differing)
            fixes.append(f"PyTorch: torch.optim.{cls}(..., {args})")
        elif side.dialect == "keras":
            args = ", ".join(f"{k}={values[k]}" for k in differing)
            fixes.append(f"Keras: keras.optimizers.{cls}(..., {args})")
    fix = "; or ".join(fixes) or "give both sides the same constants"
    if placed_apart:
        fix += (" — ε is still added in different places then (PyTorch to √v̂, Keras 3 to √v): to compare, make it "
                "negligible on both sides (eps=1e-12 / epsilon=1e-12)")
    return fix


def _torch_name(keras_name, cls):
    if keras_name == "rho" and cls == "RMSprop":
        return "alpha"
    return {"epsilon": "eps", "beta_1": "betas[0]", "beta_2": "betas[1]"}.get(keras_name, keras_name)


def decoupled_adam(diff):
    return Cause(DECOUPLED_DECAY, None, None,
                 "One side's Adam decays the weights coupled (λ·w added to the gradient, then normalised by √v̂: "
                 "PyTorch Adam(weight_decay=λ)), the other decoupled (w ← w − lr·λ·w outside the moments: AdamW); "
                 "they part at the first update.",
                 f"side A: {diff['a']}; side B: {diff['b']} ({facts.COUPLED_DECAY.source}; "
                 f"{facts.DECOUPLED_DECAY.source})",
                 "PyTorch: torch.optim.AdamW(params, weight_decay=λ) is Keras's AdamW(weight_decay=λ); or Keras: "
                 "Adam with kernel_regularizer/bias_regularizer=L2(λ/2) for PyTorch's coupled Adam(weight_decay=λ)")
