"""Why two trainings part: signatures read off the first divergence, each with evidence and a fix."""

from .evidence import Cause, Context

__all__ = ["Cause", "Context", "diagnose", "dtype_cause", "ignored_decay"]


def diagnose(ctx):
    """Causes, most likely first. Without engines (two recorded traces) the probes that rerun a side
    (randomness, finite differences) are left out; without inputs, the input comparison."""
    from . import gradcheck, signatures

    first = ctx.first
    if first.nonfinite_side:
        return [signatures.non_finite(ctx)]
    if first.quantity == "activation" and first.index == -1:
        has_inputs = ctx.inputs is not None and all(x is not None for x in ctx.inputs)
        return [signatures.input_scale(ctx)] if has_inputs else []
    from . import replicas
    from .causes import LR_DECAY_IGNORED, LR_SCHEDULE, OPTIMIZER
    from .custom_step import custom_step
    from .updates import update_causes

    distributed = replicas.batchnorm_sync(ctx) + replicas.replica_reduction(ctx)
    if distributed:
        return distributed  # a replica count explains the difference: a loss scale or a statistic would repeat it
    causes = custom_step(ctx)  # measured beside the step itself: it explains an update before any signature
    if ctx.engines is not None:
        causes += signatures.stochastic(ctx)
        causes += gradcheck.gradient_bugs(ctx)
    if ctx.y is not None:
        causes += signatures.label_offset(ctx)
    from .objective import objective_causes

    fitted, found = objective_causes(ctx)
    if fitted:  # an adapter's objective fitted against the other side's terms replaces the pattern matches
        causes += found
    elif first.quantity != "weight":  # gradients after a weight that differs differ because of it
        causes += signatures.penalty(ctx)
        causes += signatures.constant_scale(ctx)
    causes += _merge(causes, update_causes(ctx))
    ignored = [ignored_decay(d) for d in ctx.spec_differences or [] if d["cause"] == LR_DECAY_IGNORED]
    if ignored and any(c.code in (LR_SCHEDULE, OPTIMIZER) for c in causes):
        causes = ignored + causes  # the ignored argument is why the schedules differ
    else:
        causes += ignored
    if not causes:
        from .fallback import from_spec

        causes = from_spec(ctx)
    return ranked(causes)


def _merge(causes, more):
    """`more` without the codes `causes` already names: one finding, seen twice, is one cause."""
    seen = {c.code for c in causes}
    return [c for c in more if c.code not in seen]


def ranked(causes):
    """Named causes before possible ones (a stable sort: each group keeps its own order)."""
    return sorted(causes, key=lambda c: c.possible)


def ignored_decay(diff):
    from ..frameworks import keras
    from .causes import LR_DECAY_IGNORED, fix

    side = "A" if diff["a"] else "B"
    where = keras.DECAY_KWARG_IGNORED.source.split(" — ")[0]
    return Cause(LR_DECAY_IGNORED, None, None,
                 f"Side {side}'s Keras optimizer was given `decay=`, which Keras 3 accepts and silently ignores "
                 f"({where}). In Keras 2 it was a time-based learning-rate decay, "
                 "lr / (1 + decay·iterations) — never weight decay.", diff["a"] or diff["b"],
                 fix(LR_DECAY_IGNORED, "keras"))


def dtype_cause(row):
    from .causes import DTYPE, fix

    return Cause(
        DTYPE, row.layer_a, row.layer_b,
        "The two sides differ only by float32 rounding: rerun in float64, each side agrees with the other.",
        f"first float32 difference at step {row.step}, {row.quantity}"
        f"{' ' + row.layer_a if row.layer_a else ''}{'.' + row.param if row.param else ''}: rel_error "
        f"{row.rel_error:.3g}, within the noise measured by running each side again in float64",
        fix(DTYPE),
    )
