"""Fixes in each side's own language: the lines that reproduce another side's training, registered per
framework (OPTIMIZER_LINES, DECAY_LINES); Keras' so far."""

from ..frameworks import keras
from .causes.keras import l2_argument


def keras_optimizer(desc):
    """A Keras 3 optimizer expression that trains as `desc`'s optimizer does, or None."""
    opt = desc.optimizer
    if opt is None:
        return None
    if opt.kind.startswith("caffe."):
        kind = opt.kind.split(".", 1)[1]
        rate = _caffe_rate(opt.schedule)
        mom = opt.hyper.get("momentum") or 0.0
        if kind in ("SGD", "Nesterov"):
            nesterov = ", nesterov=True" if kind == "Nesterov" else ""
            return f"keras.optimizers.SGD(learning_rate={rate}, momentum={mom:g}{nesterov})"
        if kind == "Adam":
            return (f"keras.optimizers.Adam(learning_rate={rate}, beta_1={mom:g}, "
                    f"beta_2={opt.hyper.get('momentum2', 0.999):g}, epsilon={opt.hyper.get('delta', 1e-8):g})")
        return None
    if opt.kind.startswith("matconvnet."):
        rates = opt.schedule.get("learning_rate") or [opt.hyper.get("learning_rate")]
        changes = [i for i in range(1, len(rates)) if rates[i] != rates[i - 1]]
        if changes:
            bounds = [i - 1 for i in changes]  # Keras: iteration i-1 is update i; boundaries are inclusive
            values = [rates[0]] + [rates[i] for i in changes]
            rate = f"keras.optimizers.schedules.PiecewiseConstantDecay({bounds}, {values})"
        else:
            rate = f"{rates[0]:g}"
        line = f"keras.optimizers.SGD(learning_rate={rate}, momentum={opt.hyper.get('momentum', 0.9):g})"
        if changes:  # the momentum formulations part at the first new rate: say so with the line
            line += (" — equal rates at every update, but from the first rate change MatConvNet rescales its "
                     "whole velocity (the rate enters at update time) and Keras does not")
        return line
    return None


def keras_decay(desc):
    """The Keras regularisers equal to a solver's coupled weight decay λ (λ·decay_mult on each blob)."""
    opt = desc.optimizer
    if opt is None or not opt.kind.startswith(("caffe.", "matconvnet.")):
        return None
    lam = float(opt.hyper.get("weight_decay") or 0.0)
    if not lam:
        return None
    return (f"kernel_regularizer=keras.regularizers.L2({l2_argument(lam):g}) and bias_regularizer="
            f"keras.regularizers.L2({l2_argument(lam):g}) (λ/2: Keras' L2 is {keras.L2_PENALTY.value})")


def _caffe_rate(s):
    base, policy = s.get("base_lr"), s.get("lr_policy", "fixed")
    if policy == "fixed" or base is None:
        return f"{base:g}" if base is not None else "LR"
    if policy == "poly":
        return (f"keras.optimizers.schedules.PolynomialDecay({base:g}, {s.get('max_iter')}, "
                f"end_learning_rate=0.0, power={s.get('power'):g})")
    if policy == "step":
        return (f"keras.optimizers.schedules.ExponentialDecay({base:g}, {s.get('stepsize')}, {s.get('gamma'):g}, "
                "staircase=True)")
    if policy == "exp":
        return f"keras.optimizers.schedules.ExponentialDecay({base:g}, 1, {s.get('gamma'):g})"
    if policy == "inv" and s.get("power") == 1:
        return f"keras.optimizers.schedules.InverseTimeDecay({base:g}, 1, {s.get('gamma'):g})"
    return f"{base:g} with Caffe's {policy} policy (no Keras schedule matches it exactly)"


OPTIMIZER_LINES = {"keras": keras_optimizer}  # framework -> (description -> that framework's optimizer line)
DECAY_LINES = {"keras": keras_decay}  # framework -> (description -> its regularisers for a solver's decay)
