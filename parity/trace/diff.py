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

from ..compare import (
    NOISE_MARGIN,
    RTOL,
    Row,
    Tolerance,
    first_diverged,
    judge,
    pair_precision,
    rel_error,
    row_label,
    step_pairs,
)
from ..diagnose import Context, diagnose
from ..diagnose.spec_diff import differences
from ..steploop import Result
from ..weights import match
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
    if rtol is not None and not rtol >= 0:
        from ..errors import UsageError

        raise UsageError(f"--rtol must be a non-negative number; received {rtol}.")
    if atol is not None and not atol >= 0:
        from ..errors import UsageError

        raise UsageError(f"--atol must be a non-negative number; received {atol}.")
    with open_trace(path_a) as ta, open_trace(path_b) as tb:
        return _diff(ta, tb, rtol, atol, progress)


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
    precision = pair_precision(sa.dtype, sb.dtype)
    tolerance = Tolerance(rtol if rtol is not None else RTOL[precision], atol or 0.0, rtol is not None)
    desc_a, desc_b = sa.description, sb.description
    views = [_SideView(s.name, str(s.attrs.get("dialect") or "unknown"), d or _Stub())
             for s, d in ((sa, desc_a), (sb, desc_b))]
    spec_diffs = differences(desc_a, desc_b) if desc_a is not None and desc_b is not None else []
    result = Result("parity", 0, None, [], spec_diffs, [], [], _sides(ta, tb, sa, sb), notes)
    if desc_a is not None and desc_b is not None:
        from ..diagnose.structure import first_shape_mismatch

        shaped = first_shape_mismatch(desc_a, desc_b)
        if shaped is not None:
            result.status, (result.first, cause) = "diverged", shaped
            result.causes, result.rows_at_first = [cause], [result.first]
            return result, _options(ta, tb, steps)
    matches, mismatch = match(sa.tensors, sb.tensors)
    if mismatch is not None:
        from ..diagnose.structure import structure_row_and_cause

        row, cause = structure_row_and_cause(mismatch)
        result.status, result.first, result.causes, result.rows_at_first = "diverged", row, [cause], [row]
        return result, _options(ta, tb, steps)
    mode = "terms" if sa.separates_terms and sb.separates_terms else "full"
    compare_reg = sa.penalised and sb.penalised and sa.has_reg and sb.has_reg
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
    y = np.zeros(int(count), np.int64)
    prev, rates = None, []
    for i in range(steps):
        step_a, wa, ev_a, lr_a = sa.read(i)
        step_b, wb, ev_b, lr_b = sb.read(i)
        if step_a != step_b:
            raise TraceError(f"row {i} of side A is step {step_a} but row {i} of {tb.path} side {sb.label} is step "
                             f"{step_b}: the traces do not record the same steps.", path=ta.path)
        pairs = step_pairs(matches, wa, wb, ev_a, ev_b, mode, compare_reg)
        rows = judge(step_a, pairs, tolerance, noise(i) if noise else None)
        if i == 0 and input_row is not None:
            rows.insert(0, input_row)
        result.history.append({r.ident: (row_label(r), r.rel_error, r.tolerance) for r in rows})
        term = "loss_data" if mode == "terms" else "loss_total"
        result.losses.append((getattr(ev_a, term), getattr(ev_b, term)))
        result.steps_run = step_a
        if result.first is None:
            first = first_diverged(rows)
            if first is not None:
                result.status, result.first, result.rows_at_first = "diverged", first, rows
                ctx = Context(step_a, first, rows, views, None, [ev_a, ev_b], [wa, wb], matches, inputs, y, mode,
                              prev, list(rates), spec_diffs)
                result.causes = diagnose(ctx)  # without engines: no rerun probes
                if first.quantity == "gradient" and not result.causes:
                    notes.append("the finite-difference gradient check needs the specs: run `parity check` on "
                                  "them to test each side's gradient against its own loss")
        if any(r.nonfinite_side for r in rows):
            break
        prev = [wa, wb]
        rates.append(_rates(lr_a, lr_b))
        if progress:
            progress(i, steps - 1)
    return result, _options(ta, tb, steps)


def _rates(lr_a, lr_b):
    """The rates of one update; a side that could not say takes the other's (the contract's adapter rule)."""
    a = lr_a if lr_a is not None else lr_b
    b = lr_b if lr_b is not None else lr_a
    return (a, b)


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
