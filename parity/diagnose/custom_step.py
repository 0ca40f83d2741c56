"""`custom-step`: a model's own training step (a Keras `train_step` override, a PyTorch spec's `step`)
makes an update its declared optimizer and loss do not. The engines measure it beside every update
(engines/step_check.py); the evidence is the measured relation, e.g. "2.00× … at every tensor"."""

from . import causes
from .evidence import Cause


def custom_step(ctx):
    """The first update at or before the diverged step at which a side's own step parted from its declared one."""
    if ctx.engines is None:
        return []
    found = []
    for label, side, engine in zip("AB", ctx.sides, ctx.engines):
        check = next((c for c in getattr(engine, "step_checks", []) if c.differs and c.update <= ctx.step), None)
        if check is None:
            continue
        own = "step(model, optimizer, x, y)" if side.dialect == "pytorch" else "train_step"
        found.append(Cause(
            causes.CUSTOM_STEP, ctx.first.layer_a, ctx.first.layer_b,
            f"Side {label}'s model trains with its own {own}, which does not make the update its declared "
            f"optimizer and loss make: parity ran that step, and the declared update beside it.",
            f"at update {check.update}, {check.relation}", causes.fix(causes.CUSTOM_STEP, side.dialect)))
    return found
