"""Real Keras 3 on TensorFlow: full batch, the model's own loss and optimizer, compiled steps.

The objective is split as `Model.compute_loss` builds it: the compiled loss (data term) plus
`model.losses` (regularisation term), each with its own gradient from one tape.
"""

import numpy as np

from ..frameworks import keras as facts
from ..frameworks.keras_tensors import leaf_layers, tensors
from .base import Engine, Evaluation, MicroBatched, spans
from .factory import register
from .step_check import relate


class KerasModelState:
    """What the Keras engines (one device, replicated) share: labels in the form the model's loss takes,
    and its trainable weights by parity's keys (a mirrored variable's assign sets every replica)."""

    def _read_model(self, model):
        """Parity's view of a Keras model: its tensors and variables by key, its stages, its data loss and
        the form its labels take; dropout switched off. Returns the model that outputs every stage."""
        self.tensors = tensors(model)
        self.dtype = model.dtype if isinstance(model.dtype, str) else str(model.dtype)
        self.variables = {v.path: v for v in model.trainable_variables}
        self._vars = [self.variables[t.key] for t in self.tensors]
        self.dropout_disabled = _disable_dropout(model)
        self.stage_names, aux = _stage_model(model)
        self.loss_fn = _data_loss(model)
        self.target = _target_kind(model)
        self.final_softmax = _from_logits(model)
        return aux

    def targets(self, y):
        if self.target == "sparse":
            return y.astype(np.int64)
        units = int(self.model.output_shape[-1])
        if self.target == "binary" or units == 1:
            return y.astype(self.dtype).reshape(-1, 1)
        return np.eye(units, dtype=self.dtype)[y]

    def get_weights(self):
        return {t.key: self.variables[t.key].numpy() for t in self.tensors}

    def _evaluation(self, data, reg, g_data, g_reg, acts):
        """An Evaluation from one compiled pass's data loss, penalty, their gradients and stage outputs."""
        keys = [t.key for t in self.tensors]
        gd = {k: g.numpy() for k, g in zip(keys, g_data)}
        gr = {k: g.numpy() for k, g in zip(keys, g_reg)}
        return Evaluation(
            loss_total=float(data) + float(reg), loss_data=float(data), loss_reg=float(reg),
            grads_total={k: gd[k] + gr[k] for k in keys}, grads_data=gd, grads_reg=gr,
            activations=self._activations(acts),
        )

    def set_weights(self, weights):
        for key, value in weights.items():
            var = self.variables[key]
            var.assign(np.asarray(value, dtype=var.dtype).reshape(var.shape))


class KerasEngine(KerasModelState, Engine):
    separates_terms = True

    def __init__(self, model, optimizer, label, device=None):
        from .. import lazy

        tf = lazy.tensorflow()

        self.tf = tf
        self.model = model
        self.optimizer = optimizer
        self.label = label
        self.device = device
        aux = self._read_model(model)
        self._last_grads = None
        self._aux = aux
        self._inputs = None  # (x, y, x tensor, target tensor): the full batch in this side's framework, made once
        self.micro_batch = None  # --micro-batch: samples per accumulated pass
        with self._on_device():
            optimizer.build(self._vars)
        self._evaluate = self._compile_evaluate(aux)
        self._apply = tf.function(lambda grads: optimizer.apply(grads, self._vars))
        # The model's own train_step runs when the model overrides it (and trains with its own optimizer);
        # the declared update is made beside it and undone, to measure what the override changes.
        self.custom_step = optimizer is model.optimizer and overrides_train_step(model)
        self._train_step = tf.function(lambda x, y: model.train_step((x, y))) if self.custom_step else None
        self.step_checks, self._updates, self._step_batch = [], 0, None

    def _on_device(self):
        return _Scope(self.tf.device(self.device) if self.device else _nullcontext(), self.dtype)

    def _compile_evaluate(self, aux, activations=True):
        tf, model, loss_fn = self.tf, self.model, self.loss_fn
        variables = [v.value for v in self._vars]  # the tf.Variables: Keras wrappers break ZERO gradients
        zero = tf.UnconnectedGradients.ZERO

        @tf.function(reduce_retracing=True)
        def run(x, y):
            with tf.GradientTape(persistent=True) as tape:
                outs = aux(x, training=True) if aux is not None else [model(x, training=True)]
                outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
                data = tf.cast(loss_fn(y, outs[-1]), x.dtype)
                penalties = [tf.cast(p, x.dtype) for p in model.losses]
                reg = tf.add_n(penalties) if penalties else tf.zeros((), x.dtype)
            g_data = tape.gradient(data, variables, unconnected_gradients=zero)
            g_reg = tape.gradient(reg, variables, unconnected_gradients=zero)
            del tape
            return data, reg, g_data, g_reg, outs[:-1] if aux is not None and activations else []

        return run


    def _batch(self, x, y):
        """The full batch as this side's tensors, made once: the step loop passes the same arrays at every
        step, and converting them again each step would hold a second copy of the batch while it runs."""
        if self._inputs is None or self._inputs[0] is not x or self._inputs[1] is not y:
            self._inputs = None  # release the old tensors before making new ones
            with self._on_device():
                self._inputs = (x, y, self.tf.constant(x, self.dtype), self.tf.constant(self.targets(y)))
        return self._inputs[2:]

    def use_micro_batch(self, size):
        """--micro-batch: accumulate each full-batch step over micro-batches of `size` samples."""
        from ..errors import UsageError

        for layer in leaf_layers(self.model):
            if "BatchNormalization" in type(layer).__name__ and layer.trainable:
                raise UsageError(f"--micro-batch {size}: layer '{layer.name}' is a BatchNormalization in training "
                                 "mode, whose forward pass uses the statistics of the whole batch; micro-batches would "
                                 "change them. Expected a model without batch statistics; run without --micro-batch.")
        self.mean_loss = _mean_reduction(self.model)
        self.micro_batch = size
        self._evaluate_part = self._compile_evaluate(self._aux, activations=False)
        aux = self._aux
        self._forward = self.tf.function(lambda x: aux(x, training=True), reduce_retracing=True) if aux else None

    def evaluate(self, x, y):
        self._step_batch = (x, y)  # what a model's own train_step runs on at the next update
        if self.micro_batch and len(x) > self.micro_batch:
            return self._evaluate_micro(x, y)
        with self._on_device():
            data, reg, g_data, g_reg, acts = self._evaluate(*self._batch(x, y))
        self._last_grads = [a + b for a, b in zip(g_data, g_reg)]
        return self._evaluation(data, reg, g_data, g_reg, acts)

    def _evaluate_micro(self, x, y):
        """The full-batch step as exact sums over micro-batches: the data loss and its gradients weighted by
        each micro-batch's share of the batch (a mean reduction; 1 for a summed loss), accumulated in
        float64; the penalty and its gradients, which do not depend on the samples, once."""
        tx, ty = self._batch(x, y)
        n, keys = len(x), [t.key for t in self.tensors]
        data, g_data, reg, g_reg = 0.0, None, None, None
        for lo, hi in spans(n, self.micro_batch):
            with self._on_device():
                d, r, gd, gr, _ = self._evaluate_part(tx[lo:hi], ty[lo:hi])
            weight = (hi - lo) / n if self.mean_loss else 1.0
            data += float(d) * weight
            part = [g.numpy().astype(np.float64) * weight for g in gd]
            g_data = part if g_data is None else [a + b for a, b in zip(g_data, part)]
            if reg is None:
                reg, g_reg = float(r), [g.numpy() for g in gr]
        gd = {k: g.astype(self.dtype) for k, g in zip(keys, g_data)}
        gr = dict(zip(keys, g_reg))
        self._last_grads = [self.tf.constant(gd[k] + gr[k]) for k in keys]
        acts = None
        if self.stage_names and self._forward is not None:
            def forward(lo, hi):
                with self._on_device():
                    return [a for _, a in self._activations(self._forward(tx[lo:hi])[:-1])]
            acts = MicroBatched(self.stage_names, forward, n, self.micro_batch).stages()
        return Evaluation(loss_total=data + reg, loss_data=data, loss_reg=reg,
                          grads_total={k: gd[k] + gr[k] for k in keys}, grads_data=gd, grads_reg=gr,
                          activations=acts)

    def _activations(self, acts):
        if not self.stage_names:
            return None
        # np.asarray reads a CPU tensor's own memory (read-only); .numpy() would copy every stage's outputs
        values = [np.asarray(a) for a in acts]
        if self.final_softmax:  # compare predictions, not logits: a Caffe softmax loss shows probabilities
            z = values[-1] - values[-1].max(axis=-1, keepdims=True)
            values[-1] = np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
        return list(zip(self.stage_names, values))

    def run_stage(self, index, x):
        """See Engine.run_stage: the stage's Keras layers called one after another (training=True, as the
        step runs them, dropout off); None where a layer of the stage is not fed by the one before it."""
        layers = leaf_layers(self.model)
        ends = [i for i, layer in enumerate(layers) if layer.name in self.stage_names]
        if not 0 <= index < len(ends):
            return None
        start = ends[index - 1] + 1 if index else 0
        # a functional model lists its InputLayer among its layers; it is a placeholder, not a stage's operation
        chain = [layer for layer in layers[start:ends[index] + 1] if layer.__class__.__name__ != "InputLayer"]
        try:
            for before, after in zip(chain, chain[1:]):
                if after.input is not before.output:
                    return None
        except (AttributeError, ValueError):
            return None  # a layer never called symbolically: its wiring is unknown
        tf = self.tf
        value = tf.constant(np.asarray(x, dtype=self.dtype))
        if index == 0:
            value = tf.reshape(value, (-1, *self.model.input_shape[1:]))
        with self._on_device():
            for layer in chain:
                value = layer(value, training=True)
        out = value.numpy()
        if index == len(ends) - 1 and self.final_softmax:
            z = out - out.max(axis=-1, keepdims=True)
            out = np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
        return out

    def evaluate_loss(self, x, y):
        if self.micro_batch and len(x) > self.micro_batch:
            return self._evaluate_micro(x, y).loss_total
        with self._on_device():
            data, reg, *_ = self._evaluate(*self._batch(x, y))
        return float(data) + float(reg)

    def update(self, lr=None):
        # Keras's optimizer applies its own rate and schedule: `lr` is that same rate (base.Engine.update)
        self._updates += 1
        with self._on_device():
            if not self.custom_step:
                self._apply(self._last_grads)
                return
            before = self.get_weights()
            state = [v.numpy() for v in self.optimizer.variables]
            self._apply(self._last_grads)
            declared = self.get_weights()
            self.set_weights(before)
            for v, value in zip(self.optimizer.variables, state):
                v.assign(value)
            x, y = self._step_batch
            self._train_step(self.tf.constant(x, self.dtype), self.tf.constant(self.targets(y)))
        self.step_checks.append(relate(self._updates, before, self.get_weights(), declared))

    def current_lr(self):
        return float(np.asarray(self.optimizer.learning_rate))


def overrides_train_step(model):
    """Whether a class of the user's, not Keras's own trainer, defines the model's train_step."""
    owner = next(c for c in type(model).__mro__ if "train_step" in vars(c))
    return not owner.__module__.startswith("keras.")


class _Scope:
    """The device, and Keras's float type set to the model's while a step is traced: Keras builds a
    string-named loss at its first call with floatx as its dtype (keras/src/losses/loss.py:49), so a
    float64 model would otherwise compute its loss in float32."""

    def __init__(self, device, dtype):
        self.device, self.dtype = device, dtype

    def __enter__(self):
        import keras

        self.before = keras.config.floatx()
        keras.config.set_floatx(self.dtype)
        self.device.__enter__()
        return self

    def __exit__(self, *exc):
        import keras

        self.device.__exit__(*exc)
        keras.config.set_floatx(self.before)
        return False


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _disable_dropout(model):
    """Unshared random masks would make any two runs differ: parity trains with dropout off."""
    names = []
    for layer in leaf_layers(model):
        if layer.__class__.__name__.endswith("Dropout") and getattr(layer, "rate", 0):
            layer.rate = 0.0
            names.append(layer.name)
    return names


def _stage_model(model):
    """A model whose outputs are each stage's end: the layer just before the next parameterised one."""
    import keras

    layers = leaf_layers(model)
    with_params = [i for i, layer in enumerate(layers) if layer.trainable_weights]
    if not with_params:
        return [], None
    ends = [nxt - 1 for nxt in with_params[1:]] + [len(layers) - 1]
    try:
        try:
            inputs, final = model.input, model.output
        except AttributeError:  # a Sequential is never called as a whole: its first and last layers say it
            inputs, final = layers[0].input, layers[-1].output
        outputs = [layers[i].output for i in ends] + [final]
        return [layers[i].name for i in ends], keras.Model(inputs, outputs)
    except Exception:
        return [], None  # subclassed or nested models expose no symbolic outputs


def _data_loss(model):
    """The compiled loss alone, as Model.compute_loss adds it before `model.losses`."""
    compiled = getattr(model, "_compile_loss", None)
    if compiled is not None:
        return lambda y, pred: compiled(y, pred)
    import keras

    fn = keras.losses.get(model.loss)
    return lambda y, pred: keras.ops.mean(fn(y, pred))


def _mean_reduction(model):
    """Whether the compiled loss averages over the batch (Keras's default "sum_over_batch_size",
    keras/src/losses/loss.py reduce_values) rather than summing it ("sum"): how micro-batches weigh."""
    reduction = getattr(model.loss, "reduction", "sum_over_batch_size")
    return reduction != "sum"


def _target_kind(model):
    loss = model.loss
    name = loss if isinstance(loss, str) else type(loss).__name__
    if name in facts.SPARSE_LOSSES or getattr(loss, "__name__", "") in facts.SPARSE_LOSSES:
        return "sparse"
    if "binary" in str(name).lower():
        return "binary"
    return "onehot"


def _from_logits(model):
    loss = model.loss
    config = loss.get_config() if hasattr(loss, "get_config") else {}
    return bool(config.get("from_logits")) and "categorical" in type(loss).__name__.lower()


@register("keras")
def _from_side(side, label, dtype, device=None, sgd_lr=None, lr=None):
    """Real Keras: the side's model (a fresh copy in `dtype`), its own optimizer or plain SGD at `sgd_lr`."""
    model = side.handle.fresh(dtype)
    optimizer = model.optimizer
    if sgd_lr is not None:
        import keras

        optimizer = keras.optimizers.SGD(learning_rate=sgd_lr)
    return KerasEngine(model, optimizer, label, device)
