"""Signatures of distributed divergence: a side run data-parallel (--a-replicas/--b-replicas) against one
that runs on a different number of replicas.

- batchnorm-sync: at step 0 the activations of a stage holding a batch norm differ while the stage's input
  agrees: each replica normalised with its own shard's moments.
- replica-reduction: every diverged gradient is the other side's times the replica count (or its inverse):
  a summed loss under gradient averaging, a loss or penalty scaled per replica.
"""

import numpy as np

from . import causes as registry
from .evidence import Cause

FIT = 1e-2  # as signatures.FIT: what the fit leaves unexplained is under 1% of the difference


def replica_counts(ctx):
    """(replicas of A, replicas of B), or None when they are the same or unknown (a recorded trace)."""
    if ctx.engines is None:
        return None
    counts = tuple(int(getattr(e, "replicas", 1)) for e in ctx.engines)
    return counts if counts[0] != counts[1] else None


def _who(counts):
    return "; ".join(f"side {label} runs on {n} replica{'s' if n > 1 else ''}" for label, n in zip("AB", counts))


def batchnorm_sync(ctx):
    counts = replica_counts(ctx)
    first = ctx.first
    if counts is None or first.step != 0 or first.quantity != "activation" or first.index < 0:
        return []
    acts = [r for r in ctx.rows if r.quantity == "activation"]
    before = [r for r in acts if r.index == first.index - 1]  # the stage's input: the stage before, or the input
    if not before or before[0].diverged:
        return []
    norms = [_batchnorms_in_stage(side, before[0], first, label)
             for side, label in zip(ctx.sides, "ab")]
    if not norms[0] and not norms[1]:
        return []
    bn_a = norms[0][0] if norms[0] else None
    bn_b = norms[1][0] if norms[1] else None
    replicated = "AB"[int(counts[1] > counts[0])]
    per = len(ctx.y) // max(counts)
    dialect = ctx.sides["AB".index(replicated)].dialect
    return [Cause(registry.BATCHNORM_SYNC, bn_a, bn_b,
                  f"The batch norm {bn_a or bn_b} normalises with each replica's own batch: side {replicated} splits "
                  f"the batch over {max(counts)} replicas, so each normalises {per} samples with their own mean and "
                  f"variance, while the other side uses the moments of all {len(ctx.y)}.",
                  f"step 0: activation {first.layer_a} (the stage holding {bn_a or bn_b}) rel_error "
                  f"{first.rel_error:.3g}, while its input ({before[0].layer_a}) agrees (rel_error "
                  f"{before[0].rel_error:.3g}); {_who(counts)}",
                  registry.fix(registry.BATCHNORM_SYNC, dialect))]


def _batchnorms_in_stage(side, before, row, label):
    """The batch norms among the layers after the previous stage's end up to this stage's end."""
    names = [layer.name for layer in side.description.layers]
    end = getattr(row, f"layer_{label}")
    if end not in names:
        return []
    stop = names.index(end)
    prev = getattr(before, f"layer_{label}")
    start = names.index(prev) + 1 if before.index >= 0 and prev in names else 0
    return [layer.name for layer in side.description.layers[start:stop + 1] if layer.kind == "batchnorm"]


def replica_reduction(ctx):
    """Every diverged gradient of A is r times B's with r the replica count of a side (or its inverse)."""
    counts = replica_counts(ctx)
    evs = ctx.evaluations
    if counts is None or any(ev.grads_total is None for ev in evs):
        return []
    ratios = []
    for m in ctx.matches:
        for ta, tb in zip(m.a, m.b):
            if not any(r.diverged for r in ctx.rows if r.quantity == "gradient" and r.key_a == ta.key):
                continue
            a = np.asarray(evs[0].grads_total[ta.key], np.float64).ravel()
            b = np.asarray(evs[1].grads_total[tb.key], np.float64).ravel()
            bb = float(np.dot(b, b))
            if bb == 0 or a.size != b.size:
                return []
            r = float(np.dot(a, b)) / bb
            if np.linalg.norm(a - r * b) > FIT * np.linalg.norm(a):
                return []
            ratios.append((ta.shown, r))
    if not ratios:
        return []
    r = float(np.median([x for _, x in ratios]))
    n = max(counts)
    per = len(ctx.y) // n
    factors = {n: f"{n}, the number of replicas", per: f"{per}, the samples per replica (a loss summed on each "
               "replica and averaged over them, against a mean over the batch)"}
    found = [(f, why, side) for f, why in factors.items() if f > 1
             for side, value in (("A", r), ("B", 1 / r)) if abs(value / f - 1) < FIT]
    if not found or any(abs(x / r - 1) > FIT for _, x in ratios):
        return []
    f, why, big = found[0]
    small = "B" if big == "A" else "A"
    replicated = "AB"[int(counts[1] > counts[0])]
    dialect = ctx.sides["AB".index(replicated)].dialect
    shown = ", ".join(f"{name} {x:.6g}" for name, x in ratios[:4])
    return [Cause(registry.REPLICA_REDUCTION, None, None,
                  f"Side {big}'s gradients are exactly {f} times side {small}'s — {why}: side "
                  f"{replicated}'s loss is scaled per replica (a summed loss under gradient averaging, or a loss or "
                  "penalty added on every replica).",
                  f"step {ctx.step}: gradient A/B = {r:.6g} on {len(ratios)} diverged tensors ({shown}); "
                  f"{_who(counts)}",
                  registry.fix(registry.REPLICA_REDUCTION, dialect))]
