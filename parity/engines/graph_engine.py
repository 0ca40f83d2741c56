"""Runs a neutral description on TensorFlow, one compiled full-batch step at a time, with the
description's own solver and learning-rate schedule (Caffe's, emulated exactly).

The displayed loss is the data term: Caffe's weight decay lives in the solver, so the
regularisation term is zero here and its effect is judged by the weights it produces.
"""

import numpy as np

from .. import lazy
from ..description import Tensor
from .base import Engine, Evaluation, MicroBatched, spans
from .factory import register

INIT_SEED = 1  # a Caffe side's own random fillers (--weights a|b) draw from this seed
ELEMENTWISE = {"relu", "sigmoid", "tanh", "dropout", "split", "batchnorm", "scale"}


class GraphEngine(Engine):
    separates_terms = True

    def __init__(self, desc, label, dtype, device=None, sgd_lr=None, default_lr=None):
        from ..frameworks.caffe_fillers import fill
        from . import graph_registry

        tf = lazy.tensorflow()
        self.tf, self.desc, self.label, self.dtype, self.device = tf, desc, label, dtype, device
        # ops follow the dialect, the update rule the optimizer: an ablation may give one side the other's
        solver = desc.optimizer.kind.split(".", 1)[0] if desc.optimizer else desc.dialect
        self.ops, _ = graph_registry.load(desc.dialect if desc.dialect in graph_registry.FAMILIES else solver)
        _, make_solver = graph_registry.load(solver)
        rng = np.random.default_rng(INIT_SEED)
        self.vars, self.tensors, self.layer_params = {}, [], {}
        for layer in desc.layers:
            keys = []
            for i, p in enumerate(layer.params):
                key = f"{layer.name}/{i}"  # the blob's index within its layer
                init = fill(p.filler or {"type": "constant", "value": 0.0}, p.shape, rng)
                self.vars[key] = tf.Variable(init.astype(dtype), trainable=p.trainable, name=key.replace("/", "_"))
                keys.append(key)
                if p.trainable:
                    self.tensors.append(Tensor(layer.name, key, p.role, tuple(p.shape), p.layout))
            self.layer_params[layer.name] = keys
        self._train = [self.vars[t.key] for t in self.tensors]
        self.solver, self._rate = make_solver(desc, self.tensors, dtype, sgd_lr, default_lr)
        with self._on_device():
            self.solver.build(self._train)
        self.iteration = 0
        self.stage_names = _stage_ends(desc.layers)
        names = self.stage_names
        last = next((lay for lay in desc.layers if lay.name == names[-1]), None) if names else None
        self.final_softmax = last is not None and any(
            lay.kind == "softmax_loss" and lay.inputs[0] == last.outputs[0] for lay in desc.layers)
        self._evaluate = tf.function(self._forward_backward, reduce_retracing=True)
        self._apply = tf.function(lambda grads, rate, it: self.solver.apply(self._train, grads, rate, it))
        self._last = None
        self._inputs = None  # (x, y, tensors): the full batch as this side's tensors, made once
        self.micro_batch = None  # --micro-batch: samples per accumulated pass

    def use_micro_batch(self, size):
        """--micro-batch: accumulate each full-batch step over micro-batches of `size` samples. Refused for a
        layer that normalises with the batch's statistics, and for a loss whose normaliser depends on the
        labels (Caffe's VALID with an ignore_label): no weighting of micro-batches makes either exact."""
        from ..errors import UsageError

        self.loss_weight = "mean"
        for layer in self.desc.layers:
            if layer.kind == "batchnorm" and not layer.attrs.get("use_global_stats"):
                raise UsageError(f"--micro-batch {size}: layer '{layer.name}' is batch normalisation in training "
                                 "mode, whose forward pass uses the statistics of the whole batch; micro-batches "
                                 "would change them. Expected a net without batch statistics; run without "
                                 "--micro-batch.")
            norm = layer.attrs.get("normalization") if layer.kind.endswith("_loss") else None
            if norm == "VALID" and layer.attrs.get("ignore_label") is not None:
                raise UsageError(f"--micro-batch {size}: loss layer '{layer.name}' divides by the count of labels "
                                 "other than its ignore_label, which differs between micro-batches. Expected a loss "
                                 "normalised by the batch; run without --micro-batch.")
            if norm == "NONE" or layer.attrs.get("reduction") == "sum":
                self.loss_weight = "sum"
        self.micro_batch = size

    def _on_device(self):
        if self.device:
            return self.tf.device(self.device)
        import contextlib

        return contextlib.nullcontext()

    def _forward_backward(self, x, labels, targets, gradients=True):
        tf = self.tf
        spec = self.desc.input
        flat_from = {}  # blob -> the (C, H, W) map it flattens, to expose it in Keras's h,w,c order
        with tf.GradientTape() as tape:
            blobs, state, stage = {spec.blob: x}, [], {}
            if spec.label_blob:
                blobs[spec.label_blob] = labels
            if spec.target_blob:
                blobs[spec.target_blob] = targets
            loss = tf.zeros((), x.dtype)
            for layer in self.desc.layers:
                if layer.kind == "input":
                    continue
                outs = self._run_layer(layer, blobs, flat_from, state)
                if layer.kind.endswith("_loss"):
                    loss += layer.attrs["loss_weight"] * outs[0]
                if layer.name in self.stage_names:
                    stage[layer.name] = self._canonical(outs[0], flat_from.get(layer.outputs[0]))
        acts = [stage[n] for n in self.stage_names]
        if acts and self.final_softmax:  # compare what the net predicts, as a Keras softmax layer shows it
            acts[-1] = tf.nn.softmax(acts[-1], axis=-1)
        if not gradients:  # the activations of one micro-batch, nothing else (--micro-batch)
            return acts
        grads = tape.gradient(loss, self._train, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        for var, value in state:
            var.assign(value)
        return loss, grads, acts

    def _canonical(self, value, flat_shape):
        """Activations in Keras's layout: N×H×W×C maps, and flattened maps in h,w,c order."""
        tf = self.tf
        if self.desc.input.layout != "chw":
            return value
        if value.shape.rank == 4:
            return tf.transpose(value, (0, 2, 3, 1))
        if flat_shape is not None:
            c, h, w = flat_shape
            mapped = tf.transpose(tf.reshape(value, (-1, c, h, w)), (0, 2, 3, 1))
            return tf.reshape(mapped, (-1, c * h * w))
        return value

    def blobs(self, x, y):
        """Every blob after one forward pass, eagerly and without touching the statistics (tests, traces)."""
        tf = self.tf
        spec = self.desc.input
        classes = self.desc.num_classes or int(y.max()) + 1
        blobs = {spec.blob: tf.constant(x, self.dtype)}
        if spec.label_blob:
            blobs[spec.label_blob] = tf.constant(y.astype(self.dtype))
        if spec.target_blob:
            blobs[spec.target_blob] = tf.constant(np.eye(classes, dtype=self.dtype)[y])
        for layer in self.desc.layers:
            if layer.kind != "input":
                params = [self.vars[k] for k in self.layer_params[layer.name]]
                outs = self.ops[layer.kind](layer, [blobs[b] for b in layer.inputs], params, [])
                blobs.update(zip(layer.outputs, outs))
        return {k: v.numpy() for k, v in blobs.items()}

    def _batch(self, x, y):
        """The full batch as this side's tensors (input, labels, one-hot targets), made once: the step loop
        passes the same arrays at every step."""
        if self._inputs is None or self._inputs[0] is not x or self._inputs[1] is not y:
            tf, classes = self.tf, self.desc.num_classes or int(y.max()) + 1
            self._inputs = None
            with self._on_device():
                self._inputs = (x, y, (tf.constant(x, self.dtype), tf.constant(y.astype(self.dtype)),
                                       tf.constant(np.eye(classes, dtype=self.dtype)[y])))
        return self._inputs[2]

    def evaluate(self, x, y):
        if self.micro_batch and len(x) > self.micro_batch:
            return self._evaluate_micro(x, y)
        with self._on_device():
            loss, grads, acts = self._evaluate(*self._batch(x, y))
        self._last = grads
        g = {t.key: v.numpy() for t, v in zip(self.tensors, grads)}
        zeros = {k: np.zeros_like(v) for k, v in g.items()}
        return Evaluation(loss_total=float(loss), loss_data=float(loss), loss_reg=0.0, grads_total=g,
                          grads_data=g, grads_reg=zeros,
                          activations=[(n, np.asarray(a)) for n, a in zip(self.stage_names, acts)])

    def _evaluate_micro(self, x, y):
        """The full-batch step as exact sums over micro-batches: each micro-batch's loss and gradients
        weighted by its share of the batch (losses normalised by the batch; 1 for Caffe's NONE), in float64."""
        batch, n = self._batch(x, y), len(x)
        loss, total = 0.0, None
        for lo, hi in spans(n, self.micro_batch):
            with self._on_device():
                part_loss, grads, _ = self._evaluate(*(t[lo:hi] for t in batch))
            weight = (hi - lo) / n if self.loss_weight == "mean" else 1.0
            loss += float(part_loss) * weight
            part = [g.numpy().astype(np.float64) * weight for g in grads]
            total = part if total is None else [a + b for a, b in zip(total, part)]
        g = {t.key: v.astype(self.dtype) for t, v in zip(self.tensors, total)}
        self._last = [self.tf.constant(v) for v in g.values()]
        zeros = {k: np.zeros_like(v) for k, v in g.items()}

        def forward(lo, hi):
            with self._on_device():
                return [np.asarray(a) for a in self._evaluate(*(t[lo:hi] for t in batch), gradients=False)]

        acts = MicroBatched(self.stage_names, forward, n, self.micro_batch).stages() if self.stage_names else None
        return Evaluation(loss_total=loss, loss_data=loss, loss_reg=0.0, grads_total=g, grads_data=g,
                          grads_reg=zeros, activations=acts)

    def update(self, lr=None):
        rate = self.current_lr() if lr is None else lr
        with self._on_device():
            self._apply(self._last, self.tf.constant(rate, self.dtype), self.tf.constant(self.iteration, "int64"))
        self.iteration += 1

    def current_lr(self):
        return self._rate(self.iteration)

    def get_weights(self):
        return {t.key: self.vars[t.key].numpy() for t in self.tensors}

    def _run_layer(self, layer, blobs, flat_from, state):
        """One layer on the blobs it reads; its outputs join `blobs`, and `flat_from` keeps the (C, H, W)
        shape a flattened blob came from (through elementwise layers), for the Keras-order comparison."""
        params = [self.vars[k] for k in self.layer_params[layer.name]]
        ins = [blobs[b] for b in layer.inputs]
        outs = self.ops[layer.kind](layer, ins, params, state)
        for top, out in zip(layer.outputs, outs):
            blobs[top] = out
            if layer.kind == "flatten" and ins[0].shape.rank == 4:
                flat_from[top] = tuple(ins[0].shape[1:])
            elif layer.kind in ELEMENTWISE and layer.inputs[0] in flat_from:
                flat_from[top] = flat_from[layer.inputs[0]]
        return outs

    def run_stage(self, index, x):
        """See Engine.run_stage: the stage's layers, eagerly, on `x` converted to this side's layout."""
        stages = _stages(self.desc.layers, self.stage_names)
        if not 0 <= index < len(stages):
            return None
        layers = stages[index]
        first = layers[0]
        if len(first.inputs) != 1:
            return None
        native = self._native_shapes()
        shape, flat = native.get(first.inputs[0], (None, None))
        if shape is None:
            return None
        tf = self.tf
        value = np.asarray(x, dtype=self.dtype)
        if self.desc.input.layout == "chw":  # Keras's layout -> this side's N,C,H,W (or its C,H,W flatten)
            if len(shape) == 3:
                value = value.reshape((-1, shape[1], shape[2], shape[0])).transpose(0, 3, 1, 2)
            elif flat is not None:
                c, h, w = flat
                value = value.reshape(-1, h, w, c).transpose(0, 3, 1, 2).reshape(-1, c * h * w)
        value = value.reshape((-1, *shape))
        blobs = {first.inputs[0]: tf.constant(value)}
        flat_from = {first.inputs[0]: flat} if flat is not None else {}
        for layer in layers:
            if any(b not in blobs for b in layer.inputs):
                return None  # fed by a blob of an earlier stage (a skip connection): not one stage alone
            self._run_layer(layer, blobs, flat_from, [])
        end = layers[-1].outputs[0]
        out = self._canonical(blobs[end], flat_from.get(end))
        if index == len(stages) - 1 and self.final_softmax:
            out = tf.nn.softmax(out, axis=-1)
        return out.numpy()

    def _native_shapes(self):
        """{blob: (per-sample shape, the (C, H, W) map it flattens or None)} from one forward pass on zeros."""
        if getattr(self, "_shapes", None) is None:
            x = np.zeros((1, *self.desc.input_shape), self.dtype)
            blobs = self.blobs(x, np.zeros(1, np.int64))
            flat_from = {}
            for layer in self.desc.layers:
                if layer.kind == "flatten" and blobs[layer.inputs[0]].ndim == 4:
                    flat_from[layer.outputs[0]] = blobs[layer.inputs[0]].shape[1:]
                elif layer.kind in ELEMENTWISE and layer.inputs and layer.inputs[0] in flat_from:
                    flat_from[layer.outputs[0]] = flat_from[layer.inputs[0]]
            self._shapes = {b: (v.shape[1:], flat_from.get(b)) for b, v in blobs.items()}
        return self._shapes

    def set_weights(self, weights):
        for key, value in weights.items():
            self.vars[key].assign(np.asarray(value, dtype=self.dtype).reshape(self.vars[key].shape))

    def get_state(self):
        """Every blob, statistics included (for tests against real Caffe)."""
        return {k: v.numpy() for k, v in self.vars.items()}

    def set_state(self, values):
        for key, value in values.items():
            self.vars[key].assign(np.asarray(value, dtype=self.dtype).reshape(self.vars[key].shape))


def _stages(layers, ends):
    """The body's layers cut after each stage end: [[layers of stage 0], [stage 1], ...]."""
    body = [layer for layer in layers if layer.kind != "input" and not layer.kind.endswith("_loss")]
    stages, current = [], []
    for layer in body:
        current.append(layer)
        if len(stages) < len(ends) and layer.name == ends[len(stages)]:
            stages.append(current)
            current = []
    return stages


def _stage_ends(layers):
    """The layer just before each next parameterised one, and the last before the loss."""
    body = [layer for layer in layers if layer.kind != "input" and not layer.kind.endswith("_loss")]

    def starts_stage(i):
        # Caffe's BatchNorm + Scale is one batch normalisation (a Keras BatchNormalization): the stage
        # starts at the BatchNorm, whose own blobs are statistics, not at the Scale that holds γ, β.
        if body[i].kind == "scale" and i and body[i - 1].kind == "batchnorm":
            return False
        if body[i].kind == "batchnorm" and i + 1 < len(body) and body[i + 1].kind == "scale":
            return True
        return any(p.trainable for p in body[i].params)

    with_params = [i for i in range(len(body)) if starts_stage(i)]
    if not with_params:
        return []
    ends = [nxt - 1 for nxt in with_params[1:]] + [len(body) - 1]
    return [body[i].name for i in ends]


@register("graph")
def _from_side(side, label, dtype, device=None, sgd_lr=None, lr=None):
    return GraphEngine(side.description, label, dtype, device, sgd_lr=sgd_lr, default_lr=lr)
