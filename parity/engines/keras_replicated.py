"""Real Keras 3 data-parallel: the model built inside `tf.distribute.MirroredStrategy.scope()` over N
replicas (N GPUs, or N logical CPU devices: `lazy.reserve_cpu_devices`), the full batch split evenly.

What the side shows is what the strategy trains with. Each replica computes Keras's own per-replica loss,
which Keras scales by 1/N under a strategy for a mean reduction (keras/src/losses/loss.py:160, Keras 3.15)
and for `model.losses` (keras/src/backend/tensorflow/trainer.py:744), but not for reduction="sum"; the
optimizer sums the replicas' gradients (backend/tensorflow/optimizer.py:159, ReduceOp.SUM). So the side's
loss is the SUM over replicas of those scaled losses and its gradients the SUM of the replicas' gradients:
exactly the objective whose gradient the update applies. Activations are gathered in sample order (replica
r holds samples r·N/k .. (r+1)·N/k − 1). The update is the model's own `train_step` under `strategy.run`.
"""

import numpy as np

from ..errors import UsageError
from .base import Engine
from .factory import register, replica_devices
from .keras_engine import (
    KerasModelState,
    _Scope,
)


class ReplicatedKerasEngine(KerasModelState, Engine):
    separates_terms = True

    def __init__(self, side, label, dtype, replicas, device=None, sgd_lr=None):
        from .. import lazy

        tf = lazy.tensorflow()
        self.tf, self.label, self.replicas = tf, label, replicas
        self.devices = replica_devices(replicas, device, label)
        self.strategy = _strategy(tf, self.devices)
        with self.strategy.scope():
            model = side.handle.rebuild(dtype)  # always fresh: variables must be created inside the scope
            if sgd_lr is not None:
                import keras

                model.compile(optimizer=keras.optimizers.SGD(learning_rate=sgd_lr), loss=model.loss)
            model.optimizer.build(model.trainable_variables)  # its slots mirrored, made outside the step
        self.model, self.optimizer = model, model.optimizer
        aux = self._read_model(model)
        self._shards = None
        self._evaluate = self._compile_evaluate(aux)
        self._train = tf.function(lambda x, y: self.strategy.run(model.train_step, args=((x, y),)))

    def _compile_evaluate(self, aux):
        tf, model, strategy, loss_fn = self.tf, self.model, self.strategy, self.loss_fn
        variables = [v.value for v in self._vars]
        zero = tf.UnconnectedGradients.ZERO
        SUM = tf.distribute.ReduceOp.SUM

        def replica(x, y):  # one replica's shard: its scaled loss terms, their gradients, its stage outputs
            with tf.GradientTape(persistent=True) as tape:
                outs = aux(x, training=True) if aux is not None else [model(x, training=True)]
                outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
                data = tf.cast(loss_fn(y, outs[-1]), x.dtype)
                penalties = [tf.cast(model._aggregate_additional_loss(p), x.dtype) for p in model.losses]
                reg = tf.add_n(penalties) if penalties else tf.zeros((), x.dtype)
            g_data = tape.gradient(data, variables, unconnected_gradients=zero)
            g_reg = tape.gradient(reg, variables, unconnected_gradients=zero)
            del tape
            return data, reg, g_data, g_reg, outs[:-1] if aux is not None else []

        @tf.function(reduce_retracing=True)
        def run(x, y):
            data, reg, g_data, g_reg, acts = strategy.run(replica, args=(x, y))
            total = [strategy.reduce(SUM, v, axis=None) for v in (data, reg)]
            grads = [[strategy.reduce(SUM, g, axis=None) for g in gs] for gs in (g_data, g_reg)]
            return total[0], total[1], grads[0], grads[1], acts

        return run

    def _distribute(self, x, y):
        """The full batch split into N contiguous shards, replica r taking shard r."""
        n = len(y)
        if n % self.replicas:
            raise UsageError(f"--{self.label.lower()}-replicas {self.replicas}: the full batch of {n} samples does "
                             f"not split evenly over {self.replicas} replicas; give --samples a multiple of "
                             f"{self.replicas}.")
        k = n // self.replicas
        tf = self.tf
        xs = tf.constant(x, self.dtype)
        ys = tf.constant(self.targets(y))

        def shard(values):
            return lambda ctx: values[ctx.replica_id_in_sync_group * k:(ctx.replica_id_in_sync_group + 1) * k]

        return (self.strategy.experimental_distribute_values_from_function(shard(xs)),
                self.strategy.experimental_distribute_values_from_function(shard(ys)))


    def evaluate(self, x, y):
        self._shards = self._distribute(x, y)
        with _Scope(_nullcontext(), self.dtype):
            data, reg, g_data, g_reg, acts = self._evaluate(*self._shards)
        return self._evaluation(data, reg, g_data, g_reg, acts)

    def _activations(self, acts):
        if not self.stage_names:
            return None
        # each replica's shard in replica order is the full batch in sample order (strategy.gather's collective
        # ops can meet in different orders on CPU devices and abort: the local results are concatenated here)
        values = [np.concatenate([np.asarray(v) for v in self.strategy.experimental_local_results(a)]) for a in acts]
        if self.final_softmax:  # as the single-device Keras engine: predictions, not logits
            z = values[-1] - values[-1].max(axis=-1, keepdims=True)
            values[-1] = np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
        return list(zip(self.stage_names, values))

    def update(self, lr=None):
        """The model's own train_step on every replica, at the batch of the last `evaluate`."""
        with _Scope(_nullcontext(), self.dtype):
            self._train(*self._shards)

    def current_lr(self):
        return float(np.asarray(self.optimizer.learning_rate))


_STRATEGIES = {}  # devices -> the one MirroredStrategy this process runs on them


def _strategy(tf, devices):
    """One strategy per set of devices, shared by every replicated engine (a side and its float64 twin, the
    checks of one test process): each strategy numbers its collective operations from the same first key
    (tensorflow/python/distribute/cross_device_utils.py, CollectiveKeys), and two strategies on the same
    devices would meet each other's synchronised batch norm reductions under one key and abort."""
    key = tuple(devices)
    if key not in _STRATEGIES:
        _STRATEGIES[key] = tf.distribute.MirroredStrategy(list(devices))
    return _STRATEGIES[key]


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@register("keras", replicated=True)
def _from_side(side, label, dtype, device=None, sgd_lr=None, lr=None, replicas=2):
    return ReplicatedKerasEngine(side, label, dtype, replicas, device, sgd_lr)
