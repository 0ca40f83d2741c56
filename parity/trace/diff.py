"""`parity diff TA.h5 TB.h5`: check's comparison and the diagnosis that needs no spec, on two traces.

Side A is TA's side "A" (or its only side), side B is TB's side "B" (or its only side): `parity diff
T.h5 T.h5` compares the two sides that `check --trace T.h5` recorded. The tensors are matched by
order and role as in check, each step is compared with the same comparator in the same causal order,
and the first divergence goes through the signatures that work on tensors alone (penalties, loss
scale, update rules, schedules, NaN, input); the finite-difference gradient check needs a spec and
is not run. Steps are read one at a time.
"""

from dataclasses import dataclass

import numpy as np

from ..compare import NOISE_MARGIN, Row, pair_precision, rel_error, tolerance_for, validate_tolerance
from ..diagnose.spec_diff import differences
from ..steploop import Comparison, Result, StepView, matched, run, shared_rates
from .reader import TraceError, open_trace


@dataclass
class DiffOptions:
    """What the console report's summary line shows for a diff."""

    steps: int
    weights: str
    optimizer: str
    dtype: str


class _Stub:
    def penalties(self):
        return {}


@dataclass
class _SideView:
    """What the signatures read from a side: its path, dialect and description (when recorded)."""

    path: str
    dialect: str
    description: object


def diff_traces(path_a, path_b, rtol=None, atol=None, progress=None):
    validate_tolerance(rtol, atol)
    with open_trace(path_a) as ta, open_trace(path_b) as tb:
        return _diff(ta, tb, rtol, atol, progress)


class TraceSource:
    """Two recorded sides as a step source for the step loop: read one step at a time, never advanced
    (the updates happened when they were recorded)."""

    engines = None  # no live engines: the diagnosis leaves out the probes that rerun a side

    def __init__(self, ta, tb, sa, sb, steps, noise):
        self.ta, self.tb, self.sa, self.sb, self.steps, self._noise = ta, tb, sa, sb, steps, noise

    def read(self, i):
        step_a, wa, ev_a, lr_a = self.sa.read(i)
        step_b, wb, ev_b, lr_b = self.sb.read(i)
        if step_a != step_b:
            raise TraceError(f"row {i} of side A is step {step_a} but row {i} of {self.tb.path} side "
                             f"{self.sb.label} is step {step_b}: the traces do not record the same steps.",
                             path=self.ta.path)
        return StepView(step_a, [wa, wb], [ev_a, ev_b], [lr_a, lr_b])

    def noise(self, i, pairs):
        return self._noise(i) if self._noise else None

    def advance(self, rates):
        pass


def _diff(ta, tb, rtol, atol, progress):
    sa, sb = ta.side("A"), tb.side("B")
    notes = []
    for trace in (ta, tb) if ta.path != tb.path else (ta,):
        if not trace.complete:
            notes.append(f"{trace.path} is incomplete (the run writing it has not finished, or was stopped): "
                         "compared up to its last complete step")
    for side in (sa, sb):
        if side.steps == 0:
            raise TraceError(f"side {side.label} holds no complete step.", path=side.trace.path)
    steps = min(sa.steps, sb.steps)
    if sa.steps != sb.steps:
        notes.append(f"side A has {sa.steps} recorded steps, side B {sb.steps}: compared the first {steps}")
    fa, fb = ta.meta.get("data_fingerprint"), tb.meta.get("data_fingerprint")
    if fa and fb and fa != fb:
        notes.append(f"the traces were recorded on different samples (fingerprints {fa} and {fb})")
    tolerance = tolerance_for(rtol, atol, pair_precision(sa.dtype, sb.dtype))
    desc_a, desc_b = sa.description, sb.description
    views = [_SideView(s.name, str(s.attrs.get("dialect") or "unknown"), d or _Stub())
             for s, d in ((sa, desc_a), (sb, desc_b))]
    spec_diffs = differences(desc_a, desc_b) if desc_a is not None and desc_b is not None else []
    result = Result("parity", 0, None, [], spec_diffs, [], [], _sides(ta, tb, sa, sb), notes)
    matches = matched(desc_a, desc_b, sa.tensors, sb.tensors, result)
    if matches is None:
        return result, _options(ta, tb, steps)
    noise = _recorded_noise(ta, tb, sa, sb, rtol)
    if noise is not None:
        notes.append("both sides come from one `check --trace`: the per-tensor tolerances that check measured "
                      "(float32 noise) are used again")
    inputs = [s.input() for s in (sa, sb)]
    input_row = None
    if all(x is not None for x in inputs):
        n = min(len(inputs[0]), len(inputs[1]))
        flat = [x.reshape(len(x), -1)[:n] for x in inputs]
        error = rel_error(*flat) if flat[0].shape == flat[1].shape else float("nan")
        input_row = Row(0, "activation", -1, "input", "input", None, error, tolerance.rtol)
    count = ta.meta.get("samples_count") or tb.meta.get("samples_count") or (len(inputs[0]) if inputs[0] is not None
                                                                              else 1)
    comparison = Comparison(matches, "terms" if sa.separates_terms and sb.separates_terms else "full",
                            sa.penalised and sb.penalised and sa.has_reg and sb.has_reg, tolerance, views, inputs,
                            np.zeros(int(count), np.int64), spec_diffs, input_row)
    run(TraceSource(ta, tb, sa, sb, steps, noise), result, comparison, rates=shared_rates, progress=progress)
    if result.first is not None and result.first.quantity == "gradient" and not result.causes:
        notes.append("the finite-difference gradient check needs the specs: run `parity check` on "
                     "them to test each side's gradient against its own loss")
    return result, _options(ta, tb, steps)


def _recorded_noise(ta, tb, sa, sb, rtol):
    """Both sides from one check trace: the check's own per-tensor tolerances, as measured noise."""
    if rtol is not None or ta.run_id is None or ta.run_id != tb.run_id or (sa.label, sb.label) != ("A", "B"):
        return None
    rows = ta.rows()
    if rows is None:
        return None
    idents, tolerances, present = rows

    def at(i):
        if i >= len(tolerances):
            return {}
        return {ident: tolerances[i, k] / NOISE_MARGIN for k, ident in enumerate(idents)
                if present[i, k] and np.isfinite(tolerances[i, k])}

    return at


def _sides(ta, tb, sa, sb):
    sides = {}
    for label, trace, side in (("A", ta, sa), ("B", tb, sb)):
        spec = side.attrs.get("spec") or "(no spec)"
        notes = side.attrs.get("notes") or []
        sides[label] = {"spec": f"{trace.path} [{side.label}: {spec}]", "dialect": side.attrs.get("dialect") or "?",
                        "input": side.attrs.get("input_range") or "as recorded",
                        "notes": list(notes) if isinstance(notes, list) else [str(notes)],
                        "trace": trace.path, "writer": trace.meta.get("writer"), "complete": trace.complete}
    meta = ta.meta
    sides["samples"] = {"source": meta.get("samples_source") or "as recorded", "count": meta.get("samples_count"),
                        "fingerprint": meta.get("data_fingerprint")}
    return sides


def _options(ta, tb, steps):
    ma, mb = ta.meta, tb.meta

    def both(key):
        a, b = ma.get(key), mb.get(key)
        return str(a) if a == b or b is None else f"{a} / {b}" if a is not None else str(b)

    return DiffOptions(steps=max(steps - 1, 0), weights=both("weights"), optimizer=both("optimizer"),
                       dtype=both("dtype"))
