"""A Caffe SolverParameter -> the neutral Optimizer: solver type, constants and lr schedule,
with caffe.proto's defaults made explicit (most solver fields have none: Caffe reads 0)."""

from ...description import Optimizer
from .schema import resolved

RULES = {
    "SGD": "h ← μ·h + lr·lr_mult·(g + λ·decay_mult·w); w ← w − h (lr inside the history)",
    "Nesterov": "h_new = μ·h + lr·(g + λw); w ← w − [(1+μ)·h_new − μ·h]",
    "AdaGrad": "h ← h + g²; w ← w − lr·g/(√h + δ)",
    "RMSProp": "h ← d·h + (1−d)·g²; w ← w − lr·g/(√h + δ)",
    "AdaDelta": "h ← μh + (1−μ)g²; u = g·√((h₂+δ)/(h+δ)); h₂ ← μh₂ + (1−μ)u²; w ← w − lr·u",
    "Adam": "m ← β1·m + (1−β1)g; v ← β2·v + (1−β2)g²; w ← w − lr·√(1−β2^t)/(1−β1^t)·m/(√v + δ)",
}
LEGACY_TYPES = {"SGD": "SGD", "NESTEROV": "Nesterov", "ADAGRAD": "AdaGrad", "RMSPROP": "RMSProp",
                "ADADELTA": "AdaDelta", "ADAM": "Adam"}
HYPER = ("base_lr", "momentum", "momentum2", "delta", "rms_decay", "weight_decay", "regularization_type",
         "clip_gradients", "iter_size")
SCHEDULE = ("lr_policy", "base_lr", "gamma", "power", "stepsize", "stepvalue", "max_iter")


def optimizer(msg):
    values = resolved(msg, "SolverParameter")
    kind = str(values["type"].value)
    if not values["type"].explicit and values["solver_type"].explicit:
        kind = LEGACY_TYPES.get(str(values["solver_type"].value), kind)  # the deprecated enum, caffe.proto:247
    opt = Optimizer(f"caffe.{kind}", rule=RULES.get(kind, ""))
    for name in HYPER:
        opt.hyper[name] = _plain(values[name].value)
        if not values[name].explicit:
            opt.defaults[name] = f"caffe.proto SolverParameter.{name}: not set, Caffe reads {opt.hyper[name]!r}"
    for name in SCHEDULE:
        opt.schedule[name] = _plain(values[name].value)
    return opt


def plain_sgd():
    """A net prototxt alone holds no solver: plain SGD at --lr, no momentum, no decay."""
    opt = Optimizer("caffe.SGD", rule=RULES["SGD"])
    opt.hyper = {"base_lr": None, "momentum": 0.0, "weight_decay": 0.0, "regularization_type": "L2",
                 "clip_gradients": -1.0, "iter_size": 1, "momentum2": 0.999, "delta": 1e-8, "rms_decay": 0.99}
    opt.schedule = {"lr_policy": "fixed", "base_lr": None}
    opt.defaults = {"base_lr": "a net file holds no solver: --lr"}
    return opt


def _plain(value):
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return str(value) if type(value).__name__ == "Enum" else value
