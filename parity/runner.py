"""`parity check`: load both specs, give them the same weights and samples, step them together,
compare every tensor at every step, and diagnose the first divergence.
"""

import time
from dataclasses import dataclass, field

import numpy as np

from . import data, dialects, resources
from .compare import RTOL, Row, Tolerance, first_diverged, judge, noise_of, pair_precision, rel_error, step_pairs
from .diagnose import Context, diagnose, dtype_cause
from .diagnose.spec_diff import differences
from .errors import UsageError
from .weights import from_canonical, match, parse_weights_mode, starting_weights

NOISE_CEILING = 1e-2


@dataclass
class Options:
    data: str | None = None
    samples: int | None = None
    steps: int = 10
    weights: str = "seed:0"
    optimizer: str = "spec"
    lr: float = 0.01
    dtype: str = "float32"
    device: str = "auto"
    rtol: float | None = None
    atol: float | None = None
    a_input: str | None = None
    b_input: str | None = None
    ablate: bool = False  # --ablate: rank the declared differences by the parity each restores
    ablate_budget: float = 120.0
    timeout: float | None = None  # --timeout: seconds for the whole check
    deadline: float | None = None  # time.monotonic() by which the check must end; set from timeout


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


def run_check(spec_a, spec_b, opts, progress=None, on_step=None):
    """`on_step(pass_index, step, engines, evaluations, weights, rows)` sees every step of every pass
    (pass 1 is the float32 rerun that measures noise, when there is one); traces are written from it."""
    _validate(opts)
    if opts.timeout is not None and opts.deadline is None:
        opts.deadline = time.monotonic() + opts.timeout
    (side_a, side_b), samples, inputs = prepare_sides(
        (spec_a, spec_b), opts, (opts.a_input, opts.b_input), ("--a-input", "--b-input"), ("side A", "side B"))
    if on_step is not None and hasattr(on_step, "begin"):
        on_step.begin((side_a, side_b), inputs, samples)  # a trace writer's metadata: specs, inputs, samples
    device = _device(opts.device)
    run = _Pass(side_a, side_b, inputs, samples, opts, device, progress, on_step=on_step)
    result = run.execute(noise=False)
    if result.first is not None and run.can_measure_noise(result.first):
        measured = _Pass(side_a, side_b, inputs, samples, opts, device, progress,
                         on_step=on_step, index=1).execute(noise=True)
        if measured.first is None:
            measured.causes = [dtype_cause(result.first)]
            measured.notes.append(
                f"the first float32 difference (step {result.first.step}, {result.first.quantity}, rel_error "
                f"{result.first.rel_error:.3g}) is within the noise measured by rerunning each side in float64; "
                "the tolerance was raised to that noise per tensor")
        else:
            measured.notes.append("float32 noise was measured by rerunning each side in float64 and used as the "
                                  "tolerance where it exceeded the default")
        result = measured
    result.spec_differences = differences(side_a.description, side_b.description)
    if opts.ablate and result.status == "diverged":
        from .diagnose import ablation

        result.ablation = ablation.run((side_a, side_b), inputs, samples, opts, device, result.spec_differences,
                                       opts.ablate_budget)
        if result.ablation is None:
            result.notes.append("ablation needs both sides to run from their descriptions (Keras, Caffe, "
                                "MatConvNet, .toml); a Python adapter cannot")
    result.sides = {label: {"spec": s.path, "dialect": s.dialect, "input": inp.describe(samples),
                            "notes": s.notes + inp.notes}
                    for label, s, inp in (("A", side_a, inputs[0]), ("B", side_b, inputs[1]))}
    result.sides["samples"] = {"source": samples.source, "count": int(len(samples.y)),
                               "fingerprint": samples.fingerprint}
    return result


def prepare_sides(specs, opts, overrides, options, labels):
    """Load the specs, read and select the samples, and make each side's input: what `check` and
    `parity record` (one side alone) share. Returns (sides, samples, inputs)."""
    sides = [dialects.load(spec) for spec in specs]
    resources.check_memory(tuple(sides))  # before any data or engine is allocated
    classes = next((s.num_classes for s in sides if s.num_classes), None)
    stored = [_stored_shape(s) for s in sides if not s.rebind]
    samples = data.select(data.load(opts.data, stored or [(28, 28, 1)], classes), opts.samples)
    # A Caffe Data layer takes the samples' own shape: translate such a spec again now that it is known.
    rebound = any(s.rebind for s in sides)
    sides = [s.rebind(_sample_shape(samples, s)) if s.rebind else s for s in sides]
    if rebound:
        resources.check_memory(tuple(sides))
    for label, side in zip(labels, sides):
        data.check_labels(samples, side.num_classes, f"{label} ({side.path})")
    inputs = [_side_input(samples, side, override, option) for side, override, option in zip(sides, overrides, options)]
    return sides, samples, inputs


def new_engine(side, label, dtype, device, opts):
    """A fresh engine for one side at `dtype`: its own optimizer, or plain SGD at --lr under --optimizer sgd."""
    sgd_lr = opts.lr if opts.optimizer == "sgd" else None
    return side.make_engine(label, dtype, device, sgd_lr, opts.lr)


def update_rates(engines, opts):
    """Per side, the rate its next update uses; an adapter takes the other side's (contract), or --lr alone."""
    own = [e.current_lr() for e in engines]
    if opts.optimizer == "sgd":
        return [opts.lr] * len(engines)
    rates = []
    for mine, other in zip(own, own[::-1]):
        rates.append(mine if mine is not None else (other if other is not None else opts.lr))
    return rates


def _validate(opts):
    if opts.steps < 0:
        raise UsageError(f"--steps must be 0 or more; received {opts.steps}.")
    opts.weights = parse_weights_mode(opts.weights)
    for name in ("rtol", "atol"):
        value = getattr(opts, name)
        if value is not None and not value >= 0:
            raise UsageError(f"--{name} must be a non-negative number; received {value}.")
    if not opts.lr > 0:
        raise UsageError(f"--lr must be positive; received {opts.lr}.")
    if opts.timeout is not None and not opts.timeout > 0:
        raise UsageError(f"--timeout must be a positive number of seconds; received {opts.timeout}.")


@dataclass
class _Input:
    x: np.ndarray  # the side's own layout, transformed, float64
    transform: object
    notes: list
    stored: np.ndarray = None  # the same values in the samples' stored layout, to compare the sides

    def describe(self, samples):
        if self.transform is None:
            return f"[{self.x.min():.4g}, {self.x.max():.4g}] (the spec's own preprocess)"
        lo, hi = self.transform.value_range(samples)
        return f"[{lo:.4g}, {hi:.4g}] ({self.transform.name})"


def _stored_shape(side):
    """A side's per-sample input shape as samples are stored: (H, W, C) or flat."""
    shape = tuple(side.input_shape)
    if side.input_layout == "chw" and len(shape) == 3:
        return (shape[1], shape[2], shape[0])
    return shape


def _sample_shape(samples, side):
    stored = samples.x.shape[1:]
    if side.input_layout != "chw":
        return stored
    if len(stored) == 2:
        return (1, *stored)
    return (stored[2], stored[0], stored[1]) if len(stored) == 3 else stored


def _side_input(samples, side, override, option):
    x = data.for_side(samples.x, side.input_shape, side.input_layout, samples.source, side.path)
    if override is not None:
        transform = data.parse_transform(override, option)
    elif side.transform is not None:  # a Caffe Data layer: its own transform_param and nothing else
        transform = data.InputTransform(scale=side.transform["scale"], mean=side.transform["mean"],
                                        name=f"transform_param scale={side.transform['scale']:g}, "
                                             f"mean={side.transform['mean']:g}")
    elif side.preprocess is not None:
        try:
            out = np.asarray(side.preprocess(x.astype(np.float64)), dtype=np.float64)
        except Exception as err:
            from .errors import SpecError

            raise SpecError(f"preprocess(x) raised {type(err).__name__}: {err}", path=side.path) from None
        return _Input(out.reshape(x.shape), None, ["input through the spec's own preprocess(x)"],
                      out.reshape(len(x), -1))
    else:
        transform = data.default_transform(samples)
    return _Input(transform.apply(x, np.float64), transform, [], transform.apply(samples.x, np.float64))


def _device(device):
    if device not in ("auto", "cpu", "gpu"):
        raise UsageError(f"--device: expected auto, cpu or gpu; received {device!r}.")
    if device == "auto":
        return None
    from .engines.tf_import import quiet_import

    tf = quiet_import()

    if device == "gpu":
        if not tf.config.list_physical_devices("GPU"):
            raise UsageError("--device gpu: TensorFlow sees no GPU on this machine; use --device cpu or auto.")
        return "/GPU:0"
    return "/CPU:0"


class _Pass:
    """One run of both sides over all steps; with `noise`, each float32 side also runs in float64."""

    def __init__(self, side_a, side_b, inputs, samples, opts, device, progress, on_step=None, index=0):
        self.on_step, self.index = on_step, index
        self.sides, self.inputs, self.samples = (side_a, side_b), inputs, samples
        self.spec_differences = differences(side_a.description, side_b.description)
        self.opts, self.device, self.progress = opts, device, progress

    def _engine(self, side, label, dtype):
        # a rebuilt Keras side names its layers as the first did (dialects.python.fresh_keras_names)
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
        _set_start(eng[0], matches, start, "a")
        _set_start(eng[1], matches, start, "b")
        pair_engines = [t or e for t, e in zip(twins, eng)]  # the float64 pair, where noise is measured
        tw_matches = match(pair_engines[0].tensors, pair_engines[1].tensors)[0] if any(twins) else None
        for t, which in zip(twins, "ab"):
            if t is not None:
                _set_start(t, tw_matches, start, which)
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
            result.history.append({r.ident: (_label(r), r.rel_error, r.tolerance) for r in rows})
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
                _check_deadline(opts, step, result)
                lrs = self._rates(eng)
                rates.append(tuple(lrs))
                for e, lr in zip(eng, lrs):
                    e.update(lr)
                for e, lr in zip(twins, lrs):
                    if e is not None:
                        e.update(lr)
            if self.progress:
                self.progress(step, opts.steps)
        return result

    def _rates(self, eng):
        """Per side, the rate its next update uses; an adapter takes the other side's (contract)."""
        return update_rates(eng, self.opts)


def _check_deadline(opts, step, result):
    """Between steps: stop with a usage error once --timeout's budget is spent."""
    if opts.deadline is None or time.monotonic() <= opts.deadline:
        return
    found = (f"the first divergence so far is at step {result.first.step} ({_label(result.first)})"
             if result.first is not None else f"every tensor agreed up to step {step}")
    raise UsageError(f"--timeout {opts.timeout:g}: the time budget ran out after step {step} of {opts.steps}; "
                     f"{found}, but the check is incomplete and gives no verdict. Expected the run to end within "
                     f"{opts.timeout:g} s; raise --timeout, or lower --steps or --samples.")


def _set_start(engine, matches, start, which):
    weights = {}
    for m in matches:
        for t in (m.a if which == "a" else m.b):
            weights[t.key] = from_canonical(start[(m.index, t.role)].reshape(t.canonical_shape), t.layout)
    engine.set_weights(weights)


def _label(row):
    name = row.layer_a or row.layer_b or row.quantity
    extra = f".{row.param}" if row.param else ""
    term = f" ({row.term})" if row.term else ""
    return f"{row.quantity} {name}{extra}{term}"
