"""Keras 3's optimizers and learning-rate schedules for the description engine, with Keras's own
arithmetic op for op (keras/src/optimizers/*.py; base_optimizer.py for the order of things):
clip the gradients, apply decoupled weight decay, then the update, all at the rate
`schedule(iterations)` with iterations = 0 on the first update (base_optimizer.py:533,588-593,781).
"""

from .. import lazy
from ..errors import SpecError
from ..frameworks import keras as facts
from .graph_registry import solver

tf = lazy.tensorflow()
SLOTS = {"SGD": ("momentum",), "RMSprop": ("velocity", "momentum", "average_gradient"),
         "Adam": ("momentum", "velocity", "velocity_hat"), "AdamW": ("momentum", "velocity", "velocity_hat"),
         "Adadelta": ("accumulated_grad", "accumulated_delta_var"), "Adagrad": ("accumulator",)}
UNSUPPORTED = {"use_ema": False, "loss_scale_factor": None, "gradient_accumulation_steps": None}


class KerasSolver:
    def __init__(self, kind, hyper, decayed, dtype):
        if kind not in SLOTS:
            raise SpecError(f"the Keras optimizer {kind} is not emulated (SGD, RMSprop, Adam, AdamW, Adadelta, "
                            "Adagrad are); run the Keras spec itself.")
        for key, off in UNSUPPORTED.items():
            if hyper.get(key, off) not in (off, 0, False):
                raise SpecError(f"{kind}({key}={hyper[key]!r}) is not emulated by the description engine.")
        self.kind, self.h, self.decayed, self.dtype = kind, hyper, decayed, dtype
        self.slots = {}

    def _c(self, value):
        """A Python constant as Keras's ops meet it: converted to the variable's dtype."""
        return tf.constant(value, self.dtype)

    def build(self, variables):
        init = {"accumulator": float(self.h.get("initial_accumulator_value", 0.1))}
        for name in SLOTS[self.kind]:
            self.slots[name] = [tf.Variable(tf.fill(v.shape, tf.constant(init.get(name, 0.0), self.dtype)),
                                            trainable=False) for v in variables]

    def apply(self, variables, grads, rate, iteration):
        grads = self._clip(list(grads))
        wd = self.h.get("weight_decay")
        if wd is not None:  # backend/tensorflow/optimizer.py:96-98, every variable before any update
            for w, use in zip(variables, self.decayed):
                if use:
                    w.assign_sub(w * self._c(wd) * rate)
        for i, (w, g) in enumerate(zip(variables, grads)):
            getattr(self, "_" + self.kind.lower().replace("adamw", "adam"))(i, w, g, rate, iteration)

    def _clip(self, grads):
        """base_optimizer.py:870-879 (clipnorm: TF's tf.clip_by_norm, backend/tensorflow/optimizer.py:227)."""
        norm, global_norm, value = (self.h.get(k) for k in ("clipnorm", "global_clipnorm", "clipvalue"))
        if norm and norm > 0:
            return [tf.clip_by_norm(g, norm) for g in grads]
        if global_norm and global_norm > 0:  # base_optimizer.py:1181-1197
            use_norm = tf.sqrt(tf.reduce_sum(tf.stack([tf.reduce_sum(tf.square(g)) for g in grads])))
            scale = global_norm * tf.minimum(1.0 / use_norm, 1.0 / global_norm) + (use_norm - use_norm)
            return [g * scale for g in grads]
        if value and value > 0:
            return [tf.clip_by_value(g, -value, value) for g in grads]
        return grads

    def _sgd(self, i, w, g, lr, iteration):  # sgd.py:95-123
        mu = float(self.h.get("momentum", 0.0))
        if mu == 0:
            w.assign_sub(g * lr)
            return
        m = self.slots["momentum"][i]
        m.assign(m * self._c(mu) - g * lr)
        if self.h.get("nesterov"):
            w.assign_add(m * self._c(mu) - g * lr)
        else:
            w.assign_add(m)

    def _rmsprop(self, i, w, g, lr, iteration):  # rmsprop.py:111-154
        rho, mu, eps = float(self.h["rho"]), float(self.h.get("momentum", 0.0)), float(self.h["epsilon"])
        v = self.slots["velocity"][i]
        v.assign(self._c(rho) * v + self._c(1 - rho) * tf.square(g))
        if self.h.get("centered"):
            avg = self.slots["average_gradient"][i]
            avg.assign(self._c(rho) * avg + self._c(1 - rho) * g)
            denominator = v - tf.square(avg) + self._c(eps)
        else:
            denominator = v + self._c(eps)
        increment = (lr * g) / tf.sqrt(denominator)
        if mu > 0:
            m = self.slots["momentum"][i]
            m.assign(self._c(mu) * m + increment)
            w.assign_sub(m)
        else:
            w.assign_sub(increment)

    def _adam(self, i, w, g, lr, iteration):  # adam.py:102-137
        b1, b2, eps = float(self.h["beta_1"]), float(self.h["beta_2"]), float(self.h["epsilon"])
        step = tf.cast(iteration + 1, self.dtype)
        b1_power, b2_power = tf.pow(self._c(b1), step), tf.pow(self._c(b2), step)
        m, v = self.slots["momentum"][i], self.slots["velocity"][i]
        alpha = lr * tf.sqrt(1 - b2_power) / (1 - b1_power)
        m.assign_add((g - m) * self._c(1 - b1))
        v.assign_add((tf.square(g) - v) * self._c(1 - b2))
        if self.h.get("amsgrad"):
            v_hat = self.slots["velocity_hat"][i]
            v_hat.assign(tf.maximum(v_hat, v))
            v = v_hat
        w.assign_sub((m * alpha) / (tf.sqrt(v) + self._c(eps)))

    def _adadelta(self, i, w, g, lr, iteration):  # adadelta.py:83-119
        rho, eps = float(self.h["rho"]), float(self.h["epsilon"])
        acc_g, acc_d = self.slots["accumulated_grad"][i], self.slots["accumulated_delta_var"][i]

        def rms(x):
            return tf.sqrt(x + self._c(eps))

        acc_g.assign(self._c(rho) * acc_g + self._c(1 - rho) * tf.square(g))
        delta = -((rms(acc_d) * g) / rms(acc_g))
        acc_d.assign(self._c(rho) * acc_d + self._c(1 - rho) * tf.square(delta))
        w.assign_add(lr * delta)

    def _adagrad(self, i, w, g, lr, iteration):  # adagrad.py:78-92
        acc = self.slots["accumulator"][i]
        acc.assign_add(tf.square(g))
        w.assign_sub((lr * g) / tf.sqrt(acc + self._c(float(self.h["epsilon"]))))


def schedule_rate(schedule, step):
    """The schedule's rate after `step` updates: keras/src/optimizers/schedules/learning_rate_schedule.py,
    in the float32 its Python constants become. Keras evaluates it inside its compiled train step, where
    TF's graph rewrites can move the last bit (x/c becomes x·(1/c)): so is it evaluated here."""
    kind = schedule.get("class_name")
    if kind not in facts.SCHEDULES:
        raise SpecError(f"the learning-rate schedule {kind} is not emulated ({', '.join(facts.SCHEDULES)} are).")
    if kind == "PiecewiseConstantDecay":  # :256-294: the value of the first range holding the step
        values = [tf.convert_to_tensor(v) for v in schedule["values"]]
        bounds = [int(tf.cast(tf.convert_to_tensor(b), tf.int64)) for b in schedule["boundaries"]]
        return float(values[next((i for i, b in enumerate(bounds) if step <= b), len(bounds))])
    return float(_compiled(schedule)(tf.constant(int(step), tf.int64)))


_COMPILED = {}


def _compiled(schedule):
    key = repr(sorted(schedule.items()))
    if key not in _COMPILED:
        _COMPILED[key] = tf.function(lambda step: _decay(schedule, step))
    return _COMPILED[key]


def _decay(s, step):
    kind = s["class_name"]
    init = tf.convert_to_tensor(s["initial_learning_rate"])
    dtype = init.dtype
    t = tf.cast(step, dtype)
    if kind in ("ExponentialDecay", "InverseTimeDecay"):  # :162-175, :545-560
        p = t / tf.cast(s["decay_steps"], dtype)
        if s.get("staircase"):
            p = tf.floor(p)
        rate = tf.cast(s["decay_rate"], dtype)
        if kind == "ExponentialDecay":
            return init * tf.pow(rate, p)
        return init / (tf.cast(1, dtype) + rate * p)
    end, power = tf.cast(s.get("end_learning_rate", 0.0001), dtype), tf.cast(s.get("power", 1.0), dtype)
    steps = tf.cast(s["decay_steps"], dtype)  # PolynomialDecay :411-447
    if s.get("cycle"):
        steps = steps * tf.where(tf.equal(t, 0), tf.constant(1.0, dtype), tf.math.ceil(t / s["decay_steps"]))
    else:
        t = tf.minimum(t, steps)
    p = t / steps
    return (init - end) * tf.pow(1 - p, power) + end


@solver("keras")
def keras_solver(desc, tensors, dtype, sgd_lr=None, default_lr=None):
    """The description's Keras optimizer; --optimizer sgd: keras.optimizers.SGD(learning_rate=lr), as the
    Keras engine swaps it in."""
    if sgd_lr is not None:
        return KerasSolver("SGD", {"momentum": 0.0}, [False] * len(tensors), dtype), lambda it: float(sgd_lr)
    opt = desc.optimizer
    kind, hyper = opt.kind.split(".", 1)[1], opt.hyper
    excluded = set(hyper.get("weight_decay_exclude") or ())
    rule = KerasSolver(kind, hyper, [f"{t.layer}/{t.role}" not in excluded for t in tensors], dtype)
    lr = hyper.get("learning_rate")
    if isinstance(lr, dict) or opt.schedule:
        schedule = opt.schedule or {"class_name": lr.get("class_name"), **(lr.get("config") or {})}
        schedule_rate(schedule, 0)  # refuse an unknown schedule now, not at the first update
        return rule, lambda iteration: schedule_rate(schedule, int(iteration))
    if lr is None:
        raise SpecError("the Keras optimizer has no learning_rate.")
    return rule, lambda iteration: float(lr)
