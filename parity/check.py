"""`parity check`: load both specs, give them the same weights and samples, step them together,
compare every tensor at every step, and diagnose the first divergence.
"""

import time
from dataclasses import dataclass

from . import micro_batch
from .compare import validate_tolerance
from .diagnose import dtype_cause
from .diagnose.spec_diff import differences
from .engines.factory import reserve_replicas, select_device
from .errors import UsageError
from .live import PairRun
from .sides import prepare_sides
from .weights import parse_weights_mode


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
    a_set: tuple = ()  # --a-set NAME=VALUE items: options for side A's spec
    b_set: tuple = ()
    ablate: bool = False  # --ablate: rank the declared differences by the parity each restores
    ablate_budget: float = 120.0
    timeout: float | None = None  # --timeout: seconds for the whole check
    deadline: float | None = None  # time.monotonic() by which the check must end; set from timeout
    a_replicas: int = 1  # --a-replicas: run side A data-parallel on its framework's own distributed engine
    b_replicas: int = 1
    micro_batch: int | None = None  # --micro-batch: samples per accumulated pass of a full-batch step


def run_check(spec_a, spec_b, opts, progress=None, on_step=None):
    """`on_step(pass_index, step, engines, evaluations, weights, rows, rates)` sees every step of every pass
    (pass 1 is the float32 rerun that measures noise, when there is one); traces are written from it."""
    validate_options(opts)
    if opts.timeout is not None and opts.deadline is None:
        opts.deadline = time.monotonic() + opts.timeout
    reserve_replicas(max(opts.a_replicas, opts.b_replicas))  # before any spec starts TensorFlow
    (side_a, side_b), samples, inputs = prepare_sides(
        (spec_a, spec_b), opts, (opts.a_input, opts.b_input), ("--a-input", "--b-input"), ("side A", "side B"),
        (opts.a_set, opts.b_set))
    check_replicas(opts, len(samples.y))
    if opts.micro_batch:
        # before any engine: refusals name the layer
        micro_batch.prepare((side_a, side_b), opts.micro_batch, (opts.a_replicas, opts.b_replicas))
    if on_step is not None and hasattr(on_step, "begin"):
        on_step.begin((side_a, side_b), inputs, samples)  # a trace writer's metadata: specs, inputs, samples
    device = select_device(opts.device)
    run = PairRun(side_a, side_b, inputs, samples, opts, device, progress, on_step=on_step)
    result = run.execute(noise=False)
    if result.first is not None and run.can_measure_noise(result.first):
        measured = PairRun(side_a, side_b, inputs, samples, opts, device, progress,
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
    result.notes += replica_notes(opts, len(samples.y))
    result.spec_differences = differences(side_a.description, side_b.description)
    if opts.ablate and result.status == "diverged":
        from .diagnose import ablation

        trials, phase = [], f"ablation: one rerun per declared difference, at most {opts.ablate_budget:g} s"

        def trial_done(label):  # the ablation's trials, counted for the progress display
            trials.append(label)
            progress(len(trials), None, phase)

        if progress:
            progress(0, None, phase)
        result.ablation = ablation.run((side_a, side_b), inputs, samples, opts, device, result.spec_differences,
                                       opts.ablate_budget, trial_done if progress else None)
        if result.ablation is None:
            result.notes.append("ablation needs both sides to run from their descriptions (Keras, Caffe, "
                                "MatConvNet, .toml); a Python adapter cannot")
    result.sides = {label: {"spec": s.path, "dialect": s.dialect, "input": inp.describe(samples),
                            "notes": s.notes + inp.notes}
                    for label, s, inp in (("A", side_a, inputs[0]), ("B", side_b, inputs[1]))}
    result.sides["samples"] = {"source": samples.source, "count": int(len(samples.y)),
                               "fingerprint": samples.fingerprint}
    return result


def validate_options(opts):
    """Options out of range are usage errors, said before anything is loaded; --weights is parsed here."""
    if opts.steps < 0:
        raise UsageError(f"--steps must be 0 or more; received {opts.steps}.")
    from .checkpoints import looks_like_checkpoint
    from .checkpoints.start import is_checkpoint

    if not (is_checkpoint(opts.weights) and looks_like_checkpoint(opts.weights)):
        opts.weights = parse_weights_mode(opts.weights)  # a mode, or neither a mode nor a file: its usage error
    validate_tolerance(opts.rtol, opts.atol)
    if not opts.lr > 0:
        raise UsageError(f"--lr must be positive; received {opts.lr}.")
    for flag, count in (("--a-replicas", opts.a_replicas), ("--b-replicas", opts.b_replicas)):
        if count < 1:
            raise UsageError(f"{flag} must be 1 or more; received {count}.")
    if opts.micro_batch is not None and not opts.micro_batch > 0:
        raise UsageError(f"--micro-batch must be a positive number of samples; received {opts.micro_batch}.")
    if opts.timeout is not None and not opts.timeout > 0:
        raise UsageError(f"--timeout must be a positive number of seconds; received {opts.timeout}.")




def replica_notes(opts, samples):
    """What a data-parallel side did, and what it leaves out: randomness per replica."""
    notes = [f"side {label} ran data-parallel on {n} replicas, {samples // n} samples each (Keras: MirroredStrategy; "
             "PyTorch: DistributedDataParallel); its loss and gradients are what the replicas' reduction applies, "
             "its activations gathered in sample order"
             for label, n in (("A", opts.a_replicas), ("B", opts.b_replicas)) if n > 1]
    if notes:
        notes.append("dropout is off on every side, so randomness per replica (each replica's own dropout mask or "
                     "augmentation) is not compared")
    return notes


def check_replicas(opts, samples):
    """The full batch is split evenly over a replicated side's replicas."""
    for flag, count in (("--a-replicas", opts.a_replicas), ("--b-replicas", opts.b_replicas)):
        if samples % count:
            raise UsageError(f"{flag} {count}: the full batch of {samples} samples does not split evenly over "
                             f"{count} replicas; give --samples a multiple of {count}.")
