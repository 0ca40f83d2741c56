"""Live sides for the step loop: engines made by the factory, started from the same weights, stepped
together. `check` runs a pair through it (and again in float64 to measure noise), the ablation reruns
a pair with one difference aligned, `record` steps one side alone."""

from .checkpoints.start import starting_point
from .compare import Row, noise_of, pair_precision, rel_error, step_pairs, tolerance_for
from .diagnose.spec_diff import differences
from .engines.factory import make_engine
from .steploop import Budget, Comparison, Result, StepView, matched, run, update_rates
from .weights import match, set_start

NOISE_CEILING = 1e-2
PHASES = ("training both sides", "float64 rerun: each side again in float64 to measure float32 noise")  # per pass


def new_engine(side, label, dtype, device, opts):
    """A fresh engine for one side at `dtype`: its own optimizer, or plain SGD at --lr under --optimizer sgd;
    data-parallel on --a-replicas/--b-replicas replicas (a recorded side, one replica)."""
    sgd_lr = opts.lr if opts.optimizer == "sgd" else None
    replicas = getattr(opts, f"{label.lower()}_replicas", 1)
    engine = make_engine(side, label, dtype, device, sgd_lr, opts.lr, replicas=replicas)
    if getattr(opts, "micro_batch", None):
        engine.use_micro_batch(opts.micro_batch)  # --micro-batch: exact sums over micro-batches
    return engine


class EngineSource:
    """Live engines as a step source; `twins` (float64 copies, where noise is measured) take the same updates."""

    def __init__(self, engines, xs, y, steps, twins=None, twin_matches=None, comparison=None):
        self.engines, self.xs, self.y, self.steps = engines, xs, y, steps
        self.twins = twins if twins and any(twins) else None
        self.twin_matches, self.comparison = twin_matches, comparison

    def read(self, i):
        evaluations = [e.evaluate(x, self.y) for e, x in zip(self.engines, self.xs)]
        weights = [e.get_weights() for e in self.engines]
        return StepView(i, weights, evaluations, [e.current_lr() for e in self.engines])

    def noise(self, i, pairs):
        if self.twins is None:
            return None
        pair = [t or e for t, e in zip(self.twins, self.engines)]  # the float64 pair
        evaluations = [e.evaluate(x, self.y) for e, x in zip(pair, self.xs)]
        weights = [e.get_weights() for e in pair]
        c = self.comparison
        return noise_of(pairs, step_pairs(self.twin_matches, *weights, *evaluations, c.mode, c.compare_reg))

    def advance(self, rates):
        for e, lr in zip(self.engines, rates):
            e.update(lr)
        for e, lr in zip(self.twins or (), rates):
            if e is not None:
                e.update(lr)


class PairRun:
    """Both sides over all steps; with `noise`, each float32 side also runs in float64 beside it."""

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
        opts, sides = self.opts, self.sides
        eng = [self._engine(s, label, opts.dtype) for s, label in zip(sides, "AB")]
        self.precision = pair_precision(eng[0].dtype, eng[1].dtype)
        tolerance = tolerance_for(opts.rtol, opts.atol, self.precision)
        result = Result("parity", 0, None, [], [], [], [], {})
        matches = matched(sides[0].description, sides[1].description, eng[0].tensors, eng[1].tensors, result)
        if matches is None:
            return result
        start, notes = starting_point(opts.weights, matches, eng, [s.path for s in sides])
        result.notes.extend(notes)  # which side a checkpoint file fitted
        twins = [self._engine(s, label, "float64") if noise and e.dtype == "float32" else None
                 for s, label, e in zip(sides, "AB", eng)]
        set_start(eng[0], matches, start, "a")
        set_start(eng[1], matches, start, "b")
        pair_engines = [t or e for t, e in zip(twins, eng)]
        twin_matches = match(pair_engines[0].tensors, pair_engines[1].tensors)[0] if any(twins) else None
        for t, which in zip(twins, "ab"):
            if t is not None:
                set_start(t, twin_matches, start, which)
        y = self.samples.y
        def stored():  # each side's input in the samples' layout, made when compared, not kept
            return [inp.stored.reshape(len(y), -1) for inp in self.inputs]

        comparison = Comparison(
            matches, "terms" if eng[0].separates_terms and eng[1].separates_terms else "full",
            all(s.description.penalties() for s in sides), tolerance, sides, [inp.x for inp in self.inputs], y,
            self.spec_differences,
            input_row=Row(0, "activation", -1, "input", "input", None, rel_error(*stored()), tolerance.rtol),
            stored_inputs=stored)
        source = EngineSource(eng, comparison.inputs, y, opts.steps + 1, twins, twin_matches, comparison)
        sink = None
        if self.on_step is not None:
            def sink(view, rows, rates):
                self.on_step(self.index, view.step, eng, view.evaluations, view.weights, rows, rates)
        progress = None
        if self.progress:
            def progress(done, total):  # the phase names what this pass is for
                self.progress(done, total, PHASES[self.index])
        return run(source, result, comparison, rates=lambda own: update_rates(own, opts), sink=sink,
                   budget=Budget(opts.deadline, opts.timeout, opts.steps), progress=progress)


def start_alone(side, opts, device, label="A"):
    """One side's engine, from exactly the weights it would start from in check (`--weights seed:N` and
    `zeros` depend on (seed, index, role, canonical shape) alone; `a` and `b` are its own initialisation)."""
    engine = new_engine(side, label, opts.dtype, device, opts)
    matches, _ = match(engine.tensors, engine.tensors)
    start, notes = starting_point(opts.weights, matches, [engine], [side.path])
    side.notes = list(side.notes) + notes  # which file the weights came from, in the trace's side notes
    set_start(engine, matches, start, "a")
    return engine
