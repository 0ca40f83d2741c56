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
    from .updates import update_causes

    causes = []
    if ctx.engines is not None:
        causes += signatures.stochastic(ctx)
        causes += gradcheck.gradient_bugs(ctx)
    if ctx.y is not None:
        causes += signatures.label_offset(ctx)
    causes += signatures.penalty(ctx)
    causes += signatures.constant_scale(ctx)
    causes += update_causes(ctx)
    ignored = [ignored_decay(d) for d in ctx.spec_differences or [] if d["cause"] == "lr-decay-ignored"]
    if ignored and any(c.code in ("lr-schedule", "optimizer") for c in causes):
        causes = ignored + causes  # the ignored argument is why the schedules differ
    else:
        causes += ignored
    if not causes:
        from .fallback import from_spec

        causes = from_spec(ctx)
    return causes


def ignored_decay(diff):
    side = "A" if diff["a"] else "B"
    return Cause("lr-decay-ignored", None, None,
                 f"Side {side}'s Keras optimizer was given `decay=`, which Keras 3 accepts and silently ignores "
                 "(keras/src/optimizers/base_optimizer.py:85). In Keras 2 it was a time-based learning-rate decay, "
                 "lr / (1 + decay·iterations) — never weight decay.", diff["a"] or diff["b"],
                 "Keras: learning_rate=keras.optimizers.schedules.InverseTimeDecay(lr, decay_steps=1, "
                 "decay_rate=decay) for the old meaning; kernel_regularizer=L2(λ/2) if weight decay was meant")


def dtype_cause(row):
    return Cause(
        "dtype", row.layer_a, row.layer_b,
        "The two sides differ only by float32 rounding: rerun in float64, each side agrees with the other.",
        f"first float32 difference at step {row.step}, {row.quantity}"
        f"{' ' + row.layer_a if row.layer_a else ''}{'.' + row.param if row.param else ''}: rel_error "
        f"{row.rel_error:.3g}, within the noise measured by running each side again in float64",
        "none needed; use --dtype float64 for a tighter comparison",
    )
