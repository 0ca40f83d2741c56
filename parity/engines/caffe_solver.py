"""Caffe's solvers (BVLC/caffe 9b89154) on TensorFlow: lr policies and SGDSolver::ApplyUpdate.

Every rule and default is a cited fact in `parity.frameworks.caffe`; this module only
arranges them in Caffe's order. The arithmetic follows the CPU code path (the reference
trajectories come from a CPU build): e.g. AdaGrad computes lr·(g/(√h+δ)), not (lr·g)/(√h+δ).
"""

import numpy as np

from .. import lazy
from ..errors import SpecError, UsageError
from ..frameworks import caffe as facts

tf = lazy.tensorflow()


def _f32(x):
    # SolverParameter / ParamSpec fields are proto floats, even in a double build of Caffe.
    return float(np.float32(x))


# Learning-rate policies ---------------------------------------------------------------------

def _check_gamma(gamma, policy):
    if gamma < 0:
        raise SpecError(f"lr_policy '{policy}' needs gamma >= 0, received gamma={gamma}",
                        hint=f"(Caffe: {facts.GAMMA_NONNEGATIVE.source})")


def _check_stepsize(stepsize, policy):
    if stepsize <= 0:
        raise SpecError(f"lr_policy '{policy}' needs stepsize > 0, received stepsize={stepsize}",
                        hint=f"(Caffe: {facts.LR_POLICIES[policy].source})")


def _multistep_count(stepvalues, iteration):
    # Caffe keeps current_step_ as state and moves it by at most one per GetLearningRate
    # call (one call per update), so two equal stepvalues take two updates to pass.
    step = facts.CURRENT_STEP_START.value
    for it in range(iteration + 1):
        if step < len(stepvalues) and it >= stepvalues[step]:
            step += 1
    return step


def learning_rate(policy: dict, iteration: int) -> float:
    """Caffe's SGDSolver::GetLearningRate for `iteration` updates already applied.

    `policy` holds solver-prototxt fields: lr_policy, base_lr, gamma, power, stepsize,
    stepvalue (list), max_iter; absent fields are protobuf's 0, as in Caffe. A Caffe CHECK
    failure becomes a SpecError; values Caffe computes silently (NaN past max_iter for a
    fractional poly power) are returned as Caffe computes them.
    """
    if isinstance(iteration, bool) or not isinstance(iteration, (int, np.integer)) or iteration < 0:
        raise UsageError(f"iteration must be an integer >= 0, received {iteration!r}")
    iteration = int(iteration)
    name = policy.get("lr_policy", facts.LR_POLICY_DEFAULT.value)
    base_lr = _f32(policy.get("base_lr", 0.0))
    gamma = _f32(policy.get("gamma", 0.0))
    power = _f32(policy.get("power", 0.0))
    stepsize = int(policy.get("stepsize", 0))
    it = np.float64(iteration)
    with np.errstate(all="ignore"):  # C's pow/exp give inf/NaN where Python would raise
        if name == "fixed":
            rate = base_lr
        elif name == "step":
            _check_stepsize(stepsize, name)
            _check_gamma(gamma, name)
            rate = base_lr * np.power(np.float64(gamma), iteration // stepsize)
        elif name == "exp":
            _check_gamma(gamma, name)
            rate = base_lr * np.power(np.float64(gamma), it)
        elif name == "inv":
            _check_gamma(gamma, name)
            rate = base_lr * np.power(1.0 + gamma * it, np.float64(-power))
        elif name == "multistep":
            stepvalues = policy.get("stepvalue", [])
            stepvalues = [int(v) for v in ([stepvalues] if np.isscalar(stepvalues) else stepvalues)]
            _check_gamma(gamma, name)
            rate = base_lr * np.power(np.float64(gamma), _multistep_count(stepvalues, iteration))
        elif name == "poly":
            max_iter = np.float64(policy.get("max_iter", 0))
            rate = base_lr * np.power(1.0 - it / max_iter, np.float64(power))
        elif name == "sigmoid":
            _check_gamma(gamma, name)
            _check_stepsize(stepsize, name)
            rate = base_lr * (1.0 / (1.0 + np.exp(-gamma * (it - np.float64(stepsize)))))
        else:
            raise SpecError(f"unknown lr_policy {name!r}; expected one of "
                            f"{', '.join(facts.LR_POLICIES)}",
                            hint=f"(Caffe: {facts.UNKNOWN_LR_POLICY.source})")
    return float(rate)


# Update rules: (g, history, local_rate, hp) -> (update, new history); w -= update ---------

_RULES = {}  # solver type -> (number of history blobs per parameter, rule)


def _rule(name, slots):
    def register(fn):
        _RULES[name] = (slots, fn)
        return fn
    return register


@_rule("SGD", 1)
def _sgd(g, hist, lr, hp):
    h = hp["momentum"] * hist[0] + lr * g
    return h, (h,)


@_rule("Nesterov", 1)
def _nesterov(g, hist, lr, hp):
    mu = hp["momentum"]
    h = mu * hist[0] + lr * g
    return (1.0 + mu) * h - mu * hist[0], (h,)


@_rule("AdaGrad", 1)
def _adagrad(g, hist, lr, hp):
    h = hist[0] + g * g
    return lr * (g / (tf.sqrt(h) + hp["delta"])), (h,)


@_rule("RMSProp", 1)
def _rmsprop(g, hist, lr, hp):
    d = hp["rms_decay"]
    h = (1.0 - d) * (g * g) + d * hist[0]
    return lr * (g / (tf.sqrt(h) + hp["delta"])), (h,)


@_rule("AdaDelta", 2)
def _adadelta(g, hist, lr, hp):
    # The decay is the solver's `momentum`; lr scales only the final step, so h2 holds
    # squares of the unscaled step.
    mu, delta = hp["momentum"], hp["delta"]
    h = (1.0 - mu) * (g * g) + mu * hist[0]
    u = g * tf.sqrt((delta + hist[1]) / (delta + h))
    h2 = (1.0 - mu) * (u * u) + mu * hist[1]
    return lr * u, (h, h2)


@_rule("Adam", 2)
def _adam(g, hist, lr, hp):
    b1, b2 = hp["momentum"], hp["momentum2"]
    m = (1.0 - b1) * g + b1 * hist[0]
    v = (1.0 - b2) * (g * g) + b2 * hist[1]
    # δ is added to the uncorrected √v ("eps_hat"); the correction rides on the rate.
    return (lr * hp["adam_correction"]) * (m / (tf.sqrt(v) + hp["delta"])), (m, v)


def _solver_type(name):
    legacy = facts.LEGACY_SOLVER_TYPES.value
    if isinstance(name, (int, np.integer)) and not isinstance(name, bool) and 0 <= name < len(legacy):
        return list(legacy.values())[int(name)]  # proto enum number, caffe.proto:236-241
    if isinstance(name, str) and name in _RULES:
        return name
    if isinstance(name, str) and name in legacy:
        return legacy[name]
    raise SpecError(f"unknown solver type {name!r}; expected one of {', '.join(_RULES)} "
                    f"(or a legacy solver_type: {', '.join(legacy)})",
                    hint=f"(Caffe: {facts.UNKNOWN_SOLVER_TYPE.source})")


class CaffeSolver:
    """Caffe's ApplyUpdate for one net: clip, normalise, decay, the type's rule, w -= update.

    lr_mults/decay_mults are per learnable blob, in Caffe's learnable-parameter order. The
    history is Caffe's `history_`: one zero blob per parameter, then (AdaDelta, Adam) a
    second block of one per parameter.
    """

    def __init__(self, solver_type: str, hyper: dict, lr_mults, decay_mults, dtype):
        self.solver_type = _solver_type(solver_type)
        unknown = sorted(set(hyper) - set(facts.SOLVER_HYPER_DEFAULTS))
        if unknown:
            raise SpecError(f"unknown solver setting(s) {', '.join(unknown)}; expected only "
                            f"{', '.join(facts.SOLVER_HYPER_DEFAULTS)}")
        hp = {**facts.SOLVER_HYPER_DEFAULTS, **hyper}
        if len(lr_mults) != len(decay_mults):
            raise SpecError(f"expected one decay_mult per lr_mult, received {len(lr_mults)} "
                            f"lr_mults and {len(decay_mults)} decay_mults")
        self.lr_mults = [_f32(m) for m in lr_mults]
        self.decay_mults = [_f32(m) for m in decay_mults]
        self.iter_size = int(hp["iter_size"])
        if self.iter_size < 1:
            # Caffe has no CHECK here, but 0 passes leave nothing to average (1/0 scaling).
            raise SpecError(f"iter_size must be >= 1, received {hp['iter_size']}")
        self.regularization = str(hp["regularization_type"])
        self.hp = {k: _f32(hp[k]) for k in ("momentum", "momentum2", "delta", "rms_decay",
                                            "weight_decay", "clip_gradients")}
        self._check(self.hp)
        try:
            self.dtype = tf.as_dtype(dtype)
        except TypeError:
            raise UsageError(f"expected dtype float32 or float64, received {dtype!r}") from None
        if self.dtype not in (tf.float32, tf.float64):
            raise UsageError(f"expected dtype float32 or float64, received {self.dtype.name}")
        self.n_slots, self._rule = _RULES[self.solver_type]
        self._history = None  # [slot][param] -> tf.Variable

    def _check(self, hp):
        if self.solver_type == "AdaGrad" and hp["momentum"] != 0:
            raise SpecError(f"AdaGrad takes no momentum, received momentum={hp['momentum']}",
                            hint=f"(Caffe: {facts.NO_MOMENTUM_ADAGRAD.source})")
        if self.solver_type == "RMSProp":
            if hp["momentum"] != 0:
                raise SpecError(f"RMSProp takes no momentum, received momentum={hp['momentum']}",
                                hint=f"(Caffe: {facts.NO_MOMENTUM_RMSPROP.source})")
            if not 0 <= hp["rms_decay"] < 1:
                raise SpecError(f"rms_decay must lie in [0, 1), received {hp['rms_decay']}",
                                hint=f"(Caffe: {facts.RMS_DECAY_RANGE.source})")
        decays = any(hp["weight_decay"] * m != 0 for m in self.decay_mults)
        if decays and self.regularization not in ("L1", "L2"):
            raise SpecError(f"unknown regularization_type {self.regularization!r}; expected L2 or L1",
                            hint=f"(Caffe: {facts.UNKNOWN_REGULARIZATION.source})")

    def build(self, variables):
        """Create the zeroed history for `variables` (call eagerly, before any tf.function)."""
        variables = list(variables)
        if len(variables) != len(self.lr_mults):
            raise SpecError(f"expected {len(self.lr_mults)} parameters (one per lr_mult), "
                            f"received {len(variables)}")
        self._history = [[tf.Variable(tf.zeros(v.shape, self.dtype), trainable=False,
                                      name=f"caffe_history_{s}_{i}")
                          for i, v in enumerate(variables)]
                         for s in range(self.n_slots)]

    def apply(self, variables, grads, rate, iteration):
        """One Caffe update of `variables` in place.

        grads: the diffs summed over iter_size passes, before weight decay (None = zero);
        rate: GetLearningRate's value; iteration: updates already applied (Adam's t - 1).
        Both may be tensors, so one traced tf.function serves every step.
        """
        if self._history is None:
            raise UsageError("CaffeSolver.apply called before build(variables)")
        variables, grads = list(variables), list(grads)
        if not len(variables) == len(grads) == len(self.lr_mults):
            raise SpecError(f"expected {len(self.lr_mults)} parameters and gradients, "
                            f"received {len(variables)} and {len(grads)}")
        dt = self.dtype
        rate = tf.cast(rate, dt) if tf.is_tensor(rate) else tf.constant(rate, dt)
        # lr_mult 0 blobs never get a diff in Caffe (their backward is off): keep them at 0.
        grads = [tf.zeros(v.shape, dt) if g is None or m == 0 else tf.cast(g, dt)
                 for v, g, m in zip(variables, grads, self.lr_mults)]
        grads = self._clip(grads)
        if self.iter_size != 1:
            grads = [g * tf.constant(1.0 / self.iter_size, dt) for g in grads]
        hp = dict(self.hp)
        if self.solver_type == "Adam":
            hp["adam_correction"] = self._adam_correction(iteration)
        for i, (w, g) in enumerate(zip(variables, grads)):
            g = self._regularize(w, g, i)
            hist = [self._history[s][i] for s in range(self.n_slots)]
            local_rate = rate * tf.constant(self.lr_mults[i], dt)
            update, new_hist = self._rule(g, [h.read_value() for h in hist], local_rate, hp)
            for h, value in zip(hist, new_hist):
                h.assign(value)
            w.assign_sub(tf.cast(update, w.dtype))

    def _clip(self, grads):
        clip = self.hp["clip_gradients"]
        if clip < 0:
            return grads
        norm = tf.sqrt(tf.add_n([tf.reduce_sum(g * g) for g in grads]))
        clip = tf.constant(clip, self.dtype)
        scale = tf.where(norm > clip, clip / norm, tf.ones_like(norm))  # strictly larger only
        return [g * scale for g in grads]

    def _regularize(self, w, g, i):
        local_decay = self.hp["weight_decay"] * self.decay_mults[i]
        if local_decay == 0:  # Caffe skips the axpy entirely ("if (local_decay)")
            return g
        w = tf.cast(w, self.dtype)
        term = w if self.regularization == "L2" else tf.sign(w)
        return g + tf.constant(local_decay, self.dtype) * term

    def _adam_correction(self, iteration):
        # Caffe evaluates pow(beta, t) in double (C++ promotes float^int), then stores Dtype.
        t = tf.cast(iteration, tf.float64) + 1.0
        b1, b2 = (tf.constant(self.hp[k], tf.float64) for k in ("momentum", "momentum2"))
        corr = tf.sqrt(1.0 - tf.pow(b2, t)) / (1.0 - tf.pow(b1, t))
        return tf.cast(corr, self.dtype)

    def _flat_history(self):
        if self._history is None:
            raise UsageError("CaffeSolver has no history before build(variables)")
        return [h for slot in self._history for h in slot]

    def state(self):
        """Copies of Caffe's history_, in its order (see the class docstring)."""
        return [np.array(h.numpy(), copy=True) for h in self._flat_history()]

    def set_state(self, arrays):
        flat = self._flat_history()
        arrays = list(arrays)
        if len(arrays) != len(flat):
            raise UsageError(f"expected {len(flat)} history arrays, received {len(arrays)}")
        for k, (h, a) in enumerate(zip(flat, arrays)):
            a = np.asarray(a)
            if tuple(a.shape) != tuple(h.shape):
                raise UsageError(f"history array {k}: expected shape {tuple(h.shape)}, "
                                 f"received {tuple(a.shape)}")
            h.assign(a.astype(self.dtype.as_numpy_dtype))
