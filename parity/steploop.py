"""The step loop: one corridor for checking two live runs, diffing two traces and recording one side.

A source gives, step by step, each side's weights and its evaluation at them (losses, gradients,
activations) and the rate each side's next update would use by its own spec; it advances by one
update at the rates the loop decides. The loop compares the sides (when there are two), streams
each step to a sink (a trace), diagnoses the first divergence, stops at NaN or Inf, and between
steps stops at the time budget.

- `check`: two live engines (live.PairRun), once more in float64 to measure noise;
- `diff`: two recorded traces (trace/diff.py);
- `record`: one live engine, nothing to compare (trace/record.py);
- the ablation: check's pair again, with one declared difference aligned (diagnose/ablation.py).
"""

import time
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from .compare import Row, first_diverged, judge, row_label, step_pairs
from .diagnose import Context, diagnose
from .diagnose.structure import first_shape_mismatch, structure_row_and_cause
from .errors import UsageError
from .weights import match


@dataclass
class Result:
    status: str
    steps_run: int
    first: Row | None
    causes: list
    spec_differences: list
    rows_at_first: list
    history: list  # per step: {row ident: (label, rel_error, tolerance)}
    sides: dict
    notes: list = field(default_factory=list)
    losses: list = field(default_factory=list)  # per step: (loss A, loss B), data terms where both separate them
    ablation: object = None  # diagnose.ablation.Ablation, with --ablate
    stopped: str | None = None  # why the loop ended before the last step (NaN or Inf), when it did
    isolation: list | None = None  # at a first divergence in activations: diagnose.isolation.isolate


@dataclass
class StepView:
    """What a source gives at one step, one entry per side."""

    step: int
    weights: list  # {key: ndarray}, native layout
    evaluations: list  # engines.base.Evaluation at those weights
    own_rates: list  # the rate the side's next update uses by its own spec; None where it cannot say


class Source(Protocol):
    steps: int  # how many steps the source gives, step 0 included
    engines: list | None  # the live engines (the probes that rerun a side need them); None for traces

    def read(self, i: int) -> StepView: ...

    def noise(self, i: int, pairs: list) -> dict | None:
        """Measured noise per row ident at step i (a float64 rerun, or what a check recorded), or None."""

    def advance(self, rates: list) -> None:
        """One update per side, side k at rates[k]."""


@dataclass
class Comparison:
    """How two sides are compared at every step and, at the first divergence, diagnosed."""

    matches: list
    mode: str  # "terms" (data terms and penalties apart) or "full" (full objectives)
    compare_reg: bool
    tolerance: object  # compare.Tolerance
    sides: tuple  # dialects.Side, or what a trace says of its side (path, dialect, description)
    inputs: list | None  # per side x, for the diagnosis
    y: object
    spec_differences: list
    input_row: Row | None = None  # step 0: the inputs the sides see, compared first
    stored_inputs: object = None  # () -> per side, its input in the stored (Keras) layout: for isolation

    @property
    def loss_term(self):
        return "loss_data" if self.mode == "terms" else "loss_total"  # what the comparison compares


def matched(desc_a, desc_b, tensors_a, tensors_b, result):
    """The sides' tensors matched in forward order; on a structural mismatch (first the descriptions' layer
    shapes, where both are known, then the tensors), `result` says so and None is returned."""
    shaped = first_shape_mismatch(desc_a, desc_b) if desc_a is not None and desc_b is not None else None
    if shaped is not None:
        row, cause = shaped
    else:
        matches, mismatch = match(tensors_a, tensors_b)
        if mismatch is None:
            return matches
        row, cause = structure_row_and_cause(mismatch)
    result.status, result.first, result.causes, result.rows_at_first = "diverged", row, [cause], [row]
    return None


def shared_rates(own, fallback=None):
    """Per side, the rate of its next update: its own, or for a side that cannot say (an adapter) the
    other side's (the contract's rule), else `fallback`."""
    known = [r for r in own if r is not None]
    return [mine if mine is not None else (known[0] if known else fallback) for mine in own]


def update_rates(own, opts):
    """The rates of the next update under check's options: --lr everywhere under --optimizer sgd, else
    shared_rates with --lr for a side alone that cannot say."""
    return [opts.lr] * len(own) if opts.optimizer == "sgd" else shared_rates(own, opts.lr)


@dataclass
class Budget:
    """--timeout: the loop stops with a usage error between steps once `deadline` (time.monotonic) passes."""

    deadline: float | None
    timeout: float | None
    steps: int


def run(source, result, comparison=None, rates=shared_rates, sink=None, budget=None, progress=None):
    """Step `source` to its end (or the first NaN), filling `result`; `rates(own rates) -> rates` decides
    each update's rates; `sink(view, rows, rates)` sees every step (a trace writer)."""
    last = source.steps - 1
    prev, taken = None, []
    for i in range(source.steps):
        view = source.read(i)
        rows = _compare(source, comparison, result, view, i) if comparison is not None else []
        next_rates = rates(view.own_rates)
        if sink is not None:
            sink(view, rows, next_rates)
        result.steps_run = view.step
        if comparison is not None and result.first is None:
            first = first_diverged(rows)
            if first is not None:
                result.status, result.first, result.rows_at_first = "diverged", first, rows
                c = comparison
                ctx = Context(view.step, first, rows, c.sides, source.engines, view.evaluations, view.weights,
                              c.matches, c.inputs, c.y, c.mode, prev, list(taken), c.spec_differences)
                result.causes = diagnose(ctx)  # without engines (traces): no rerun probes
                if first.quantity == "activation" and source.engines and c.stored_inputs is not None:
                    from .diagnose.isolation import isolate

                    result.isolation = isolate(source.engines, c.stored_inputs(), view.evaluations)
                ctx = None  # the diagnosis is done: hold no step's activations beyond its own
        if _stop(comparison, view, rows):
            result.stopped = f"NaN or Inf at step {view.step}"
            break  # nothing after a NaN is worth comparing
        prev = view.weights
        if i < last:
            if budget is not None:
                check_deadline(budget, view.step, result)
            taken.append(tuple(next_rates))
            source.advance(next_rates)
        if progress:
            progress(i, last)
        # release this step's activations before the next step's forward passes: memory flat in steps,
        # and one step's activations held at a time rather than two
        view = rows = None
    return result


def _compare(source, c, result, view, i):
    pairs = step_pairs(c.matches, *view.weights, *view.evaluations, c.mode, c.compare_reg)
    rows = judge(view.step, pairs, c.tolerance, source.noise(i, pairs))
    if i == 0 and c.input_row is not None:
        rows.insert(0, c.input_row)
    result.history.append({r.ident: (row_label(r), r.rel_error, r.tolerance) for r in rows})
    result.losses.append(tuple(getattr(ev, c.loss_term) for ev in view.evaluations))
    return rows


def _stop(comparison, view, rows):
    if comparison is not None:
        return any(r.nonfinite_side for r in rows)
    return not all(finite(ev, w) for ev, w in zip(view.evaluations, view.weights))


def finite(ev, weights):
    """A side alone: its loss, weights and gradients hold no NaN or Inf."""
    arrays = list(weights.values()) + list((ev.grads_total or {}).values())
    return bool(np.isfinite(ev.loss_total)) and all(np.all(np.isfinite(a)) for a in arrays)


def check_deadline(budget, step, result):
    """Between steps: stop with a usage error once --timeout's budget is spent."""
    if budget.deadline is None or time.monotonic() <= budget.deadline:
        return
    found = (f"the first divergence so far is at step {result.first.step} ({row_label(result.first)})"
             if result.first is not None else f"every tensor agreed up to step {step}")
    raise UsageError(f"--timeout {budget.timeout:g}: the time budget ran out after step {step} of {budget.steps}; "
                     f"{found}, but the check is incomplete and gives no verdict. Expected the run to end within "
                     f"{budget.timeout:g} s; raise --timeout, or lower --steps or --samples.")
