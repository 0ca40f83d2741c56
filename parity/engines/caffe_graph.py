"""Caffe descriptions on the description engine: the neutral layer kinds as Caffe computes them,
and Caffe's solver with its lr schedule.

Tensors are N×C×H×W and weights keep the description's native layouts; the Caffe
semantics themselves live in caffe_ops (pooling rounding, divisors, flatten order).
"""

from functools import partial

from . import caffe_ops as ops
from . import caffe_solver
from .graph_registry import op as _register
from .graph_registry import solver

op = partial(_register, "caffe")


@solver("caffe")
def caffe_solver_for(desc, tensors, dtype, sgd_lr=None, default_lr=None):
    """Caffe's own solver and schedule; --optimizer sgd: plain SGD at --lr; a net alone: SGD at --lr."""
    opt = desc.optimizer
    params = {t.key: p for layer in desc.layers for t, p in zip([t for t in tensors if t.layer == layer.name],
                                                               [p for p in layer.params if p.trainable])}
    if sgd_lr is not None:
        kind, hyper, schedule = "SGD", {"momentum": 0.0, "weight_decay": 0.0}, {"lr_policy": "fixed",
                                                                               "base_lr": sgd_lr}
    else:
        kind = opt.kind.split(".", 1)[1]
        hyper = {k: v for k, v in opt.hyper.items() if k != "base_lr"}  # the rate comes from the schedule
        schedule = dict(opt.schedule)
        if schedule.get("base_lr") is None:
            schedule["base_lr"] = default_lr
    plain = sgd_lr is not None  # plain SGD on both sides: no multipliers either
    rule = caffe_solver.CaffeSolver(kind, hyper, [1.0 if plain else params[t.key].lr_mult for t in tensors],
                                    [params[t.key].decay_mult for t in tensors], dtype)
    iter_size = int(hyper.get("iter_size") or 1)
    if iter_size > 1:
        rule = _Accumulated(rule, iter_size)
    return rule, lambda iteration: float(caffe_solver.learning_rate(schedule, iteration))


class _Accumulated:
    """iter_size passes over parity's one full batch: Caffe sums iter_size identical diffs, then
    clips that sum and divides by iter_size (sgd_solver.cpp:115,134), so only clipping sees it."""

    def __init__(self, rule, passes):
        self.rule, self.passes = rule, passes

    def build(self, variables):
        self.rule.build(variables)

    def apply(self, variables, grads, rate, iteration):
        return self.rule.apply(variables, [g * self.passes for g in grads], rate, iteration)


@op("conv2d")
def _conv(layer, ins, params, state):
    a = layer.attrs
    return [ops.conv(ins[0], params[0], params[1] if a["bias_term"] else None, stride=tuple(a["stride"]),
                     pad=tuple(a["pad"]), dilation=tuple(a["dilation"]), group=a["group"])]


@op("pool2d")
def _pool(layer, ins, params, state):
    a = layer.attrs
    return [ops.pool(ins[0], method=a["method"], kernel=tuple(a["kernel"]), stride=tuple(a["stride"]),
                     pad=tuple(a["pad"]), round_mode=a["round_mode"], global_pooling=a["global_pooling"])]


@op("dense")
def _dense(layer, ins, params, state):
    a = layer.attrs
    return [ops.inner_product(ins[0], params[0], params[1] if a["bias_term"] else None, axis=a["axis"])]


@op("relu")
def _relu(layer, ins, params, state):
    return [ops.relu(ins[0], negative_slope=layer.attrs["negative_slope"])]


@op("sigmoid")
def _sigmoid(layer, ins, params, state):
    return [ops.sigmoid(ins[0])]


@op("tanh")
def _tanh(layer, ins, params, state):
    return [ops.tanh(ins[0])]


@op("softmax")
def _softmax(layer, ins, params, state):
    return [ops.softmax(ins[0], axis=layer.attrs["axis"])]


@op("dropout", "split")
def _identity(layer, ins, params, state):
    return [ins[0]] * max(1, len(layer.outputs))


@op("flatten")
def _flatten(layer, ins, params, state):
    return [ops.flatten(ins[0], axis=layer.attrs["axis"], end_axis=layer.attrs["end_axis"])]


@op("reshape")
def _reshape(layer, ins, params, state):
    return [ops.reshape(ins[0], layer.attrs["dims"], axis=0, num_axes=-1)]


@op("concat")
def _concat(layer, ins, params, state):
    return [ops.concat(ins, axis=layer.attrs["axis"])]


@op("eltwise")
def _eltwise(layer, ins, params, state):
    return [ops.eltwise(ins, operation=layer.attrs["operation"], coeff=layer.attrs["coeff"])]


@op("batchnorm")
def _batchnorm(layer, ins, params, state):
    a = layer.attrs
    y, mean, var, factor = ops.batch_norm(ins[0], params[0], params[1], params[2],
                                          use_global_stats=a["use_global_stats"], eps=a["eps"],
                                          moving_average_fraction=a["moving_average_fraction"])
    state.extend(zip(params, (mean, var, factor)))  # Caffe updates its statistics in the forward pass
    return [y]


@op("scale")
def _scale(layer, ins, params, state):
    return [ops.scale(ins[0], params[0], params[1] if layer.attrs["bias_term"] else None, axis=1)]


@op("softmax_loss")
def _softmax_loss(layer, ins, params, state):
    a = layer.attrs
    return [ops.softmax_with_loss(ins[0], ins[1], normalization=a["normalization"], ignore_label=a["ignore_label"],
                                  axis=1)]


@op("euclidean_loss")
def _euclidean(layer, ins, params, state):
    return [ops.euclidean_loss(ins[0], ins[1])]
