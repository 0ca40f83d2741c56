"""The step loop: both sides stepped together, every tensor compared at every step, the first
divergence diagnosed. `check` runs it (and again in float64 to measure noise); the ablation reruns it."""

import time
from dataclasses import dataclass, field

from .compare import (
    RTOL,
    Row,
    Tolerance,
    first_diverged,
    judge,
    noise_of,
    pair_precision,
    rel_error,
    row_label,
    step_pairs,
)
from .diagnose import Context, diagnose
from .diagnose.spec_diff import differences
from .engines.factory import make_engine
from .errors import UsageError
from .weights import match, set_start, starting_weights

NOISE_CEILING = 1e-2
PHASES = ("training both sides", "float64 rerun: each side again in float64 to measure float32 noise")  # per pass


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


def new_engine(side, label, dtype, device, opts):
    """A fresh engine for one side at `dtype`: its own optimizer, or plain SGD at --lr under --optimizer sgd."""
    sgd_lr = opts.lr if opts.optimizer == "sgd" else None
    return make_engine(side, label, dtype, device, sgd_lr, opts.lr)


def update_rates(engines, opts):
    """Per side, the rate its next update uses; an adapter takes the other side's (contract), or --lr alone."""
    own = [e.current_lr() for e in engines]
    if opts.optimizer == "sgd":
        return [opts.lr] * len(engines)
    rates = []
    for mine, other in zip(own, own[::-1]):
        rates.append(mine if mine is not None else (other if other is not None else opts.lr))
    return rates


class Pass:
    """One run of both sides over all steps; with `noise`, each float32 side also runs in float64."""

    def __init__(self, side_a, side_b, inputs, samples, opts, device, progress, on_step=None, index=0):
        self.on_step, self.index = on_step, index
        self.sides, self.inputs, self.samples = (side_a, side_b), inputs, samples
        self.spec_differences = differences(side_a.description, side_b.description)
        self.opts, self.device, self.progress = opts, device, progress

    def _engine(self, side, label, dtype):
        # a rebuilt Keras side names its layers as the first did (dialects.keras.side.fresh_keras_names)
        return new_engine(side, label, dtype, self.device, self.opts)

    def can_measure_noise(self, first):
        # Beyond NOISE_CEILING no float32 rounding explains a first divergence: skip the float64 rerun.
        return (self.precision == "float32" and self.opts.rtol is None and first.quantity != "structure"
                and first.rel_error is not None and first.rel_error <= NOISE_CEILING
                and first.nonfinite_side is None and not (first.quantity == "activation" and first.index == -1))

    def execute(self, noise):
        opts = self.opts
        eng = [self._engine(s, label, opts.dtype) for s, label in zip(self.sides, "AB")]
        self.precision = pair_precision(eng[0].dtype, eng[1].dtype)
        tolerance = Tolerance(opts.rtol if opts.rtol is not None else RTOL[self.precision], opts.atol or 0.0,
                              opts.rtol is not None)
        empty = Result("diverged", 0, None, [], [], [], [], {})
        from .diagnose.structure import first_shape_mismatch

        shaped = first_shape_mismatch(self.sides[0].description, self.sides[1].description)
        if shaped is not None:
            empty.first, cause = shaped
            empty.causes, empty.rows_at_first = [cause], [empty.first]
            return empty
        matches, mismatch = match(eng[0].tensors, eng[1].tensors)
        if mismatch is not None:
            from .diagnose.structure import structure_row_and_cause

            row, cause = structure_row_and_cause(mismatch)
            empty.first, empty.causes, empty.rows_at_first = row, [cause], [row]
            return empty
        start = starting_weights(opts.weights, matches, eng[0].get_weights(), eng[1].get_weights())
        twins = [self._engine(s, label, "float64") if noise and e.dtype == "float32" else None
                 for s, label, e in zip(self.sides, "AB", eng)]
        set_start(eng[0], matches, start, "a")
        set_start(eng[1], matches, start, "b")
        pair_engines = [t or e for t, e in zip(twins, eng)]  # the float64 pair, where noise is measured
        tw_matches = match(pair_engines[0].tensors, pair_engines[1].tensors)[0] if any(twins) else None
        for t, which in zip(twins, "ab"):
            if t is not None:
                set_start(t, tw_matches, start, which)
        compare_reg = all(s.description.penalties() for s in self.sides)
        mode = "terms" if eng[0].separates_terms and eng[1].separates_terms else "full"
        xs = [inp.x for inp in self.inputs]
        y = self.samples.y
        result = Result("parity", 0, None, [], [], [], [], {})
        prev, rates = None, []
        stored = [inp.stored.reshape(len(y), -1) for inp in self.inputs]
        input_row = Row(0, "activation", -1, "input", "input", None, rel_error(*stored), tolerance.rtol)
        for step in range(opts.steps + 1):
            evs = [e.evaluate(x, y) for e, x in zip(eng, xs)]
            weights = [e.get_weights() for e in eng]
            pairs = step_pairs(matches, *weights, *evs, mode, compare_reg)
            measured = None
            if any(twins):
                tw_evs = [e.evaluate(x, y) for e, x in zip(pair_engines, xs)]
                tw_weights = [e.get_weights() for e in pair_engines]
                measured = noise_of(pairs, step_pairs(tw_matches, *tw_weights, *tw_evs, mode, compare_reg))
            rows = judge(step, pairs, tolerance, measured)
            if step == 0:
                rows.insert(0, input_row)
            if self.on_step is not None:
                self.on_step(self.index, step, eng, evs, weights, rows)
            result.history.append({r.ident: (row_label(r), r.rel_error, r.tolerance) for r in rows})
            term = "loss_data" if mode == "terms" else "loss_total"  # what the comparison compares
            result.losses.append((getattr(evs[0], term), getattr(evs[1], term)))
            result.steps_run = step
            if result.first is None:
                first = first_diverged(rows)
                if first is not None:
                    result.status, result.first, result.rows_at_first = "diverged", first, rows
                    ctx = Context(step, first, rows, self.sides, eng, evs, weights, matches, xs, y, mode,
                                  prev, rates, self.spec_differences)
                    result.causes = diagnose(ctx)
            if any(r.nonfinite_side for r in rows):
                break  # nothing after a NaN is worth comparing
            prev = weights
            if step < opts.steps:
                check_deadline(opts, step, result)
                lrs = self._rates(eng)
                rates.append(tuple(lrs))
                for e, lr in zip(eng, lrs):
                    e.update(lr)
                for e, lr in zip(twins, lrs):
                    if e is not None:
                        e.update(lr)
            if self.progress:
                self.progress(step, opts.steps, PHASES[self.index])
        return result

    def _rates(self, eng):
        """Per side, the rate its next update uses; an adapter takes the other side's (contract)."""
        return update_rates(eng, self.opts)


def check_deadline(opts, step, result):
    """Between steps: stop with a usage error once --timeout's budget is spent."""
    if opts.deadline is None or time.monotonic() <= opts.deadline:
        return
    found = (f"the first divergence so far is at step {result.first.step} ({row_label(result.first)})"
             if result.first is not None else f"every tensor agreed up to step {step}")
    raise UsageError(f"--timeout {opts.timeout:g}: the time budget ran out after step {step} of {opts.steps}; "
                     f"{found}, but the check is incomplete and gives no verdict. Expected the run to end within "
                     f"{opts.timeout:g} s; raise --timeout, or lower --steps or --samples.")
