"""Per-tensor comparison in the contract's causal order, tolerances and the noise floor.

rel_error = ‖a − b‖₂ / max(‖a‖₂, ‖b‖₂), 0 when both are zero, computed in float64 after
layout conversion. NaN or Inf on either side is never equal to anything.
"""

from dataclasses import dataclass

import numpy as np

from .errors import UsageError
from .weights import to_canonical

RTOL = {"float32": 1e-5, "float64": 1e-10}
NOISE_MARGIN = 2.0
ORDER = ("structure", "weight", "activation", "loss", "gradient")


BLOCK = 1 << 17  # values per float64 block: a comparison's memory does not grow with the tensor


def _sums(a, b, want_max=False):
    """(‖a‖², ‖b‖², ‖a − b‖², max |a − b|) accumulated in float64, a block of rows (samples, for an
    activation) at a time, so that comparing a float32 activation never makes a float64 copy of the whole
    of it. Each block is cast into two reused float64 buffers in C order (which also gathers a strided
    view, e.g. an N×C×H×W map seen as N×H×W×C, without a copy of the whole) and its squares summed by BLAS
    dot products. Two arrays of the same rows in different shapes (a map against its flattened form)
    compare in C order, as reshape would."""
    a, b = _memory_order(_rows(a), _rows(b))
    if len(a) != len(b) or a.size != b.size:
        a, b = np.asarray(a).reshape(-1, 1), np.asarray(b).reshape(-1, 1)
    sa = sb = sd = peak = 0.0
    per_row = a.size // len(a) if len(a) else 0
    rows = max(1, BLOCK // max(per_row, 1))
    size = min(rows, len(a)) * per_row
    buf_a, buf_b = np.empty(size, np.float64), np.empty(size, np.float64)
    with np.errstate(over="ignore", invalid="ignore"):  # NaN and Inf are findings: rel_error reports them
        for lo in range(0, len(a), rows):
            ca, cb = a[lo:lo + rows], b[lo:lo + rows]
            fa, fb = buf_a[:ca.size], buf_b[:ca.size]
            np.copyto(fa.reshape(ca.shape), ca, casting="unsafe")  # float32 and integers widen exactly
            np.copyto(fb.reshape(cb.shape), cb, casting="unsafe")
            sa += float(np.dot(fa, fa))
            sb += float(np.dot(fb, fb))
            np.subtract(fa, fb, out=fa)
            sd += float(np.dot(fa, fa))
            if want_max:
                peak = max(peak, float(np.max(np.abs(fa), initial=0.0)))
    return sa, sb, sd, peak


def _memory_order(a, b):
    """Two views permuted alike (both sides' N×C×H×W maps seen as N×H×W×C) read in their memory's order:
    the sums are the same over any one pairing of elements, and a contiguous read is several times
    faster than a strided gather."""
    if a.shape != b.shape or a.ndim < 2 or a.flags.c_contiguous:
        return a, b
    order = tuple(np.argsort([-abs(s) for s in a.strides], kind="stable"))
    ta, tb = a.transpose(order), b.transpose(order)
    return (ta, tb) if ta.flags.c_contiguous and tb.flags.c_contiguous else (a, b)


def _rows(t):
    """An array with a leading axis to block over (a scalar as one row), never copied."""
    t = np.asarray(t)
    return t.reshape(1) if t.ndim == 0 else t


def _blocked(t):
    """A stage of activations computed one micro-batch at a time (engines.base.Stage, --micro-batch)."""
    return hasattr(getattr(t, "parent", None), "blocks")


def _block_sums(pairs, want_max=False):
    """{id(pair): sums} for the pairs whose tensors come one micro-batch at a time: every micro-batch's
    forward pass runs once per side for all of them, and no whole activation is ever held."""
    lazy = [p for p in pairs if _blocked(p.a) or _blocked(p.b)]
    if not lazy:
        return {}
    parents = {}
    for p in lazy:
        for t in (p.a, p.b):
            if _blocked(t):
                parents[id(t.parent)] = t.parent
    first = next(iter(parents.values()))
    totals = {id(p): [0.0, 0.0, 0.0, 0.0] for p in lazy}
    for lo in range(0, first.n, first.size):  # the micro-batches engines.base.spans gives
        hi = min(lo + first.size, first.n)
        acts = {key: parent.forward(lo, hi) for key, parent in parents.items()}
        for p in lazy:
            got = _sums(_block(p.a, acts, lo, hi), _block(p.b, acts, lo, hi), want_max)
            total = totals[id(p)]
            total[:3] = [u + v for u, v in zip(total[:3], got[:3])]
            total[3] = max(total[3], got[3])
    return totals


def _block(t, acts, lo, hi):
    part = acts[id(t.parent)][t.index] if _blocked(t) else np.asarray(t)[lo:hi]
    return np.asarray(part).reshape(hi - lo, -1)


def rel_error(a, b, sums=None):
    if sums is None and (_blocked(a) or _blocked(b)):
        pair = Pair("activation", 0, None, None, None, a, b)
        sums = _block_sums([pair])[id(pair)]
    sa, sb, sd, _ = sums if sums is not None else _sums(a, b)
    if not np.isfinite(sa + sb + sd):  # a NaN or Inf, or squares beyond float64's range
        if _nonfinite(a, b):
            return float("nan")
        a, b = np.asarray(a, dtype=np.float64).reshape(-1), np.asarray(b, dtype=np.float64).reshape(-1)
        na, nb = np.linalg.norm(a), np.linalg.norm(b)
        scale = max(na, nb)
        return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)
    scale = max(sa, sb)
    return 0.0 if scale == 0 else float(np.sqrt(sd / scale))


def max_abs_difference(a, b):
    return _sums(a, b, want_max=True)[3]


@dataclass
class Row:
    """One compared tensor at one step."""

    step: int
    quantity: str
    index: int  # match index (weights, gradients), stage index (activations), -1 (loss, input)
    layer_a: str | None
    layer_b: str | None
    param: str | None
    rel_error: float | None  # nan: a non-finite value on one side
    tolerance: float
    term: str = ""  # "data", "regularisation" or "" (the full objective)
    key_a: str | None = None
    key_b: str | None = None
    nonfinite_side: str | None = None

    @property
    def ident(self):
        """Stable across steps and passes: what the noise floor is measured for."""
        return (self.quantity, self.index, self.param, self.term)

    @property
    def diverged(self):
        if self.rel_error is None:  # a structural mismatch has no error to measure
            return True
        return self.nonfinite_side is not None or self.rel_error > self.tolerance


@dataclass
class Tolerance:
    rtol: float
    atol: float = 0.0
    user_set: bool = False

    def floor(self, noise):
        """The tolerance in force for a tensor whose measured float32 noise is `noise`.

        Twice the noise: the float64 rerun estimates the noise, it does not bound it.
        """
        return max(self.rtol, NOISE_MARGIN * noise) if noise is not None else self.rtol


def validate_tolerance(rtol, atol):
    """--rtol and --atol, as check and diff take them: non-negative numbers, or None for the default."""
    for name, value in (("rtol", rtol), ("atol", atol)):
        if value is not None and not value >= 0:
            raise UsageError(f"--{name} must be a non-negative number; received {value}.")


def tolerance_for(rtol, atol, precision):
    """The tolerance of a comparison at `precision`: --rtol where given (the user's, never raised by
    measured noise), else the default for the precision."""
    return Tolerance(rtol if rtol is not None else RTOL[precision], atol or 0.0, rtol is not None)


def pair_precision(dtype_a, dtype_b):
    return "float64" if dtype_a == dtype_b == "float64" else "float32"


def _nonfinite(a, b):
    """Which side holds NaN or Inf: "A", "B", "A and B" (never equal to each other), or None."""
    bad = [label for label, t in (("A", a), ("B", b)) if not np.isfinite(np.sum(t, dtype=np.float64))
           and not np.all(np.isfinite(t))]
    return " and ".join(bad) or None


@dataclass
class Pair:
    """One tensor of one step on both sides, before it is judged."""

    quantity: str
    index: int
    layer_a: str | None
    layer_b: str | None
    param: str | None
    a: np.ndarray
    b: np.ndarray
    term: str = ""
    key_a: str | None = None
    key_b: str | None = None

    @property
    def ident(self):
        return (self.quantity, self.index, self.param, self.term)

    def __post_init__(self):
        # a whole-map conv against a dense layer: the same values, one reshape apart
        if _blocked(self.a) or _blocked(self.b) or self.quantity == "activation":
            return  # compared a block of samples at a time in C order: a reshape here could copy a whole view
        if self.a.shape != self.b.shape and self.a.size == self.b.size:
            self.b = self.b.reshape(self.a.shape)


def step_pairs(matches, weights_a, weights_b, ev_a, ev_b, mode, compare_reg=False):
    """Every compared tensor of one step, in causal order: weight, activation, loss, gradient."""
    pairs = []
    f64 = lambda v: np.asarray(v, dtype=np.float64)  # noqa: E731  (scalars: losses)
    for m in matches:
        for ta, tb in zip(m.a, m.b):
            pairs.append(Pair("weight", m.index, ta.shown, tb.shown, ta.role,
                              to_canonical(weights_a[ta.key], ta.layout),
                              to_canonical(weights_b[tb.key], tb.layout), key_a=ta.key, key_b=tb.key))
    if ev_a.activations and ev_b.activations:
        for i, ((name_a, act_a), (name_b, act_b)) in enumerate(zip(ev_a.activations, ev_b.activations)):
            if act_a.size == act_b.size:
                # each side's own array, as its framework returned it (a view): compared block by block
                pairs.append(Pair("activation", i, name_a, name_b, None, act_a, act_b))
    if mode == "terms":
        pairs.append(Pair("loss", -1, None, None, None, f64(ev_a.loss_data), f64(ev_b.loss_data), "data"))
        if compare_reg:
            pairs.append(Pair("loss", -1, None, None, None, f64(ev_a.loss_reg), f64(ev_b.loss_reg),
                              "regularisation"))
        grads = [("data", ev_a.grads_data, ev_b.grads_data)]
        if compare_reg:
            grads.append(("regularisation", ev_a.grads_reg, ev_b.grads_reg))
    else:
        pairs.append(Pair("loss", -1, None, None, None, f64(ev_a.loss_total), f64(ev_b.loss_total)))
        grads = [("", ev_a.grads_total, ev_b.grads_total)] if ev_a.grads_total and ev_b.grads_total else []
    for m in reversed(matches):  # output back to input
        for ta, tb in zip(m.a, m.b):
            for term, ga, gb in grads:
                pairs.append(Pair("gradient", m.index, ta.shown, tb.shown, ta.role,
                                  to_canonical(ga[ta.key], ta.layout), to_canonical(gb[tb.key], tb.layout),
                                  term, ta.key, tb.key))
    return pairs


def judge(step, pairs, tolerance, noise=None):
    """Rows for the pairs of one step; `noise` maps a pair's ident to its measured float32 noise."""
    rows = []
    noise = noise or {}
    blocked = _block_sums(pairs, want_max=bool(tolerance.atol))
    for p in pairs:
        sums = blocked.get(id(p))
        error = rel_error(p.a, p.b, sums)
        row = Row(step, p.quantity, p.index, p.layer_a, p.layer_b, p.param, error,
                  tolerance.floor(noise.get(p.ident)), p.term, p.key_a, p.key_b,
                  _nonfinite(p.a, p.b) if np.isnan(error) else None)
        largest = (sums[3] if sums else max_abs_difference(p.a, p.b)) if tolerance.atol else None
        if tolerance.atol and row.nonfinite_side is None and largest <= tolerance.atol:
            row.rel_error = min(row.rel_error, row.tolerance)
        rows.append(row)
    return rows


def noise_of(pairs32, pairs64):
    """Measured float32 noise per tensor: each side's distance from itself run in float64, added."""
    by_ident = {p.ident: p for p in pairs64}
    noise = {}
    for p in pairs32:
        q = by_ident.get(p.ident)
        if q is not None and tuple(q.a.shape) == tuple(p.a.shape) and tuple(q.b.shape) == tuple(p.b.shape):
            na, nb = rel_error(p.a, q.a), rel_error(p.b, q.b)
            if np.isfinite(na) and np.isfinite(nb):
                noise[p.ident] = na + nb
    return noise


def first_diverged(rows):
    return next((r for r in rows if r.diverged), None)


def row_label(row):
    """How a compared quantity is named in reports: "weight conv1.kernel (data)"."""
    name = row.layer_a or row.layer_b or row.quantity
    extra = f".{row.param}" if row.param else ""
    term = f" ({row.term})" if row.term else ""
    return f"{row.quantity} {name}{extra}{term}"
