"""A Keras description on the description engine, trained as Keras trains it.

GraphEngine runs the graph, the compiled loss and the solver; this subclass adds what is Keras's
own: the regularisers' penalties, which Keras adds to the objective undivided by the batch
(trainers/trainer.py:391), reported as the separate term the Keras engine reports; and the starting
weights, from the model itself or drawn from the description's Keras initializers.
"""

from dataclasses import replace

import numpy as np

from ..errors import SpecError
from .base import Evaluation
from .factory import register
from .graph_engine import INIT_SEED, GraphEngine
from .keras_init import keras_fill

LOSSES = {"categorical_crossentropy", "sparse_categorical_crossentropy", "mean_squared_error",
          "binary_crossentropy"}
REDUCTIONS = {"sum_over_batch_size", "mean", "sum"}


class KerasGraphEngine(GraphEngine):
    def __init__(self, desc, label, dtype, device=None, sgd_lr=None, default_lr=None, initial=None):
        """`initial`: {"layer/i": array} for the description's params (the model's own weights)."""
        check_runnable(desc)
        zero = {"type": "constant", "value": 0.0}  # GraphEngine's Caffe fillers; the values are set below
        blank = replace(desc, layers=[replace(layer, params=[replace(p, filler=zero) for p in layer.params])
                                      for layer in desc.layers])
        super().__init__(blank, label, dtype, device, sgd_lr=sgd_lr, default_lr=default_lr)
        self.desc = desc
        rng = np.random.default_rng(INIT_SEED)
        for layer in desc.layers:
            for i, p in enumerate(layer.params):
                key = f"{layer.name}/{i}"
                value = (initial or {}).get(key)
                if value is None or np.shape(value) != tuple(p.shape):  # an ablation may reshape a layer
                    value = keras_fill(p.filler, p.shape, rng)
                self.vars[key].assign(value.astype(dtype).reshape(self.vars[key].shape))
        loss = next(layer for layer in desc.layers if layer.kind == "keras_loss")
        # as the Keras engine (keras_engine._activations), in NumPy: predictions, not logits, where a
        # categorical loss was given from_logits=True
        self.final_softmax = False
        self.shows_softmax = bool(loss.attrs.get("from_logits")) and "categorical" in loss.attrs["loss"]
        self._penalties = [(self.vars[f"{layer.name}/{i}"], layer.penalties[p.role])
                           for layer in desc.layers for i, p in enumerate(layer.params)
                           if p.role in layer.penalties]
        self._regularize = self.tf.function(self._penalty_and_grads)

    def _penalty_value(self, w, penalty):
        """regularizers.py:199-208, 237, 265: coeff·Σw² / coeff·Σ|w|, the coefficient in w's dtype."""
        tf = self.tf
        if penalty.kind == "l2":
            return tf.cast(penalty.coeff, w.dtype) * tf.reduce_sum(tf.square(w))
        if penalty.kind == "l1":
            return tf.cast(penalty.coeff, w.dtype) * tf.reduce_sum(tf.abs(w))
        l1, l2 = _l1l2(penalty)
        total = tf.convert_to_tensor(0.0, dtype=w.dtype)
        if l1:
            total += tf.cast(l1, w.dtype) * tf.reduce_sum(tf.abs(w))
        if l2:
            total += tf.cast(l2, w.dtype) * tf.reduce_sum(tf.square(w))
        return total

    def _penalty_and_grads(self):
        tf = self.tf
        with tf.GradientTape() as tape:
            terms = [self._penalty_value(w, p) for w, p in self._penalties]
            reg = tf.add_n(terms) if terms else tf.zeros((), self.dtype)
        return reg, tape.gradient(reg, self._train, unconnected_gradients=tf.UnconnectedGradients.ZERO)

    def evaluate(self, x, y):
        tf = self.tf
        with self._on_device():
            data, g_data, acts = self._evaluate(tf.constant(x, self.dtype), tf.constant(y.astype(self.dtype)),
                                                tf.zeros((len(y), 1), self.dtype))
            reg, g_reg = self._regularize()
        self._last = [a + b for a, b in zip(g_data, g_reg)]  # one optimizer step on the whole objective
        keys = [t.key for t in self.tensors]
        gd = {k: g.numpy() for k, g in zip(keys, g_data)}
        gr = {k: g.numpy() for k, g in zip(keys, g_reg)}
        return Evaluation(loss_total=float(data) + float(reg), loss_data=float(data), loss_reg=float(reg),
                          grads_total={k: gd[k] + gr[k] for k in keys}, grads_data=gd, grads_reg=gr,
                          activations=self._activations(acts))

    def _activations(self, acts):
        values = [np.asarray(a) for a in acts]  # the tensor's own memory on CPU (read-only), no copy
        if values and self.shows_softmax:
            z = values[-1] - values[-1].max(axis=-1, keepdims=True)
            values[-1] = np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
        return list(zip(self.stage_names, values))


def _l1l2(penalty):
    import re

    found = dict(re.findall(r"(l[12])=([-+0-9.eEinfa]+)", penalty.written))
    return float(found.get("l1", 0.0)), float(found.get("l2", penalty.coeff))


def check_runnable(desc):
    """Refuse, naming the layer, what the description engine does not compute as Keras does."""
    from . import graph_registry
    from .keras_graph import ACTIVATIONS

    ops, _ = graph_registry.load("keras")
    problems = [note for note in desc.notes if note.startswith("not runnable")]
    for layer in desc.layers:
        a = layer.attrs
        if layer.kind not in ops:
            problems.append(f"{layer.name}: {layer.kind} is not emulated")
        elif layer.kind != "input" and not layer.outputs:
            problems.append(f"{layer.name}: not wired into the graph")
        if a.get("activation", "linear") not in ACTIVATIONS:
            problems.append(f"{layer.name}: activation {a['activation']!r} is not emulated")
        if a.get("data_format", "channels_last") != "channels_last" and layer.kind != "flatten":
            problems.append(f"{layer.name}: data_format={a['data_format']} (only channels_last is emulated)")
        for key in [k for k in a if k.endswith("_constraint") or k == "activity_regularizer"]:
            problems.append(f"{layer.name}: {key}={a[key]} is not emulated")
        if a.get("renorm"):
            problems.append(f"{layer.name}: batch renormalisation is not emulated")
        for role, p in layer.penalties.items():
            if p.kind not in ("l1", "l2", "l1l2"):
                problems.append(f"{layer.name}.{role}: penalty {p.kind} is not emulated")
        if layer.kind == "keras_loss":
            if a["loss"] not in LOSSES or a.get("reduction") not in REDUCTIONS or a.get("ignore_class") is not None:
                problems.append(f"the loss {a['loss']} (reduction {a.get('reduction')}) is not emulated "
                                f"({', '.join(sorted(LOSSES))} are)")
    if not any(layer.kind == "keras_loss" for layer in desc.layers):
        problems.append("the description has no loss layer (compile the model with a loss)")
    # an ablation may hand a Keras description another framework's solver: any registered family runs
    if desc.optimizer is None or desc.optimizer.kind.split(".")[0] not in ("keras", "caffe", "matconvnet"):
        problems.append("the description has no optimizer parity can run")
    if problems:
        raise SpecError("cannot run this Keras description on the description engine: " + "; ".join(problems) + ".",
                        path=desc.source)


@register("keras-description")
def _from_side(side, label, dtype, device=None, sgd_lr=None, lr=None):
    """A Keras side run from its description; from the model's own starting weights where the side has a
    model (a .toml description has none: Keras's initializers are drawn)."""
    return KerasGraphEngine(side.description, label, dtype, device, sgd_lr=sgd_lr, default_lr=lr,
                            initial=getattr(side.handle, "initial", None))
