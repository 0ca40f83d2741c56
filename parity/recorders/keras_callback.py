"""Record a plain Keras 3 `model.fit` run (TensorFlow backend) as a parity trace.

    from parity.recorders.keras_callback import TraceRecorder, seeded_start

    model = build()                      # compiled, as the spec builds it
    seeded_start(model, seed=0)          # optional: the weights `parity record --weights seed:0` starts from
    model.fit(x, y, batch_size=len(x), epochs=STEPS, shuffle=False, verbose=0,
              callbacks=[TraceRecorder("fit.h5", x, y)])
    # parity record SPEC --out parity.h5 --steps STEPS ...;  parity diff parity.h5 fit.h5

Full batch and no shuffling make one epoch one update, so step k of the trace is the state after
k updates, as parity numbers steps. `on_train_batch_end` sees the weights after the update; the
recorder then evaluates, at those weights, the compiled loss (data term), `model.losses`
(regularisation term) and the gradient of each with one tape, so every step holds the weights and
the loss and gradients at them (the loss fit reports for a batch is at the weights before it).
Step 0 is recorded in `on_train_begin`. `x` and `y` are what fit is given (`y` in the form the
compiled loss takes). Dropout is not switched off: a model with active dropout cannot match.

Needs keras (TensorFlow backend), numpy and h5py; the trace writer is tracefile.py beside this file.
"""

import numpy as np

try:  # inside parity, or copied next to tracefile.py
    from .tracefile import TraceWriter, seeded
except ImportError:  # pragma: no cover
    from tracefile import TraceWriter, seeded

import keras

ROLES = {"kernel": "kernel", "bias": "bias", "gamma": "gamma", "beta": "beta"}


def leaf_layers(model):
    out = []
    for layer in model.layers:
        if hasattr(layer, "layers") and layer.__class__.__name__ in ("Sequential", "Functional", "Model"):
            out.extend(leaf_layers(layer))
        else:
            out.append(layer)
    return out


def tensors(model):
    """The trainable tensors in forward order, as parity lays out Keras: kernels (in, out) or (h, w, in, out)."""
    out = []
    for layer in leaf_layers(model):
        for v in layer.trainable_weights:
            shape = tuple(int(s) for s in v.shape)
            layout = {2: "in,out", 4: "h,w,in,out"}.get(len(shape), "")
            out.append({"layer": layer.name, "key": v.path, "role": ROLES.get(v.name, v.name), "shape": shape,
                        "layout": layout, "variable": v})
    return out


def seeded_start(model, seed=0):
    """Set the model's trainable weights to the contract's `--weights seed:N` draw (the weights
    `parity record` and `parity check` start from). Keras layouts are parity's canonical ones."""
    for index, t in enumerate(tensors(model)):
        v = t["variable"]
        v.assign(seeded(seed, index, t["role"], t["shape"]).astype(v.dtype))


class TraceRecorder(keras.callbacks.Callback):
    def __init__(self, path, x, y, spec=None, activations=False, fingerprint=None, stored_input=None):
        super().__init__()
        self.path, self.x, self.y = str(path), x, y
        self.spec, self.fingerprint = spec, fingerprint
        self.stored_input = stored_input  # the input as the samples are stored (N, ...); default: x itself
        self.writer, self.step = None, 0
        if activations:
            raise NotImplementedError("the Keras recorder records weights, losses and gradients; use "
                                      "`parity record --activations` for activations")

    # -- fit's hooks -----------------------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        import tensorflow as tf

        model = self.model
        self._tensors = tensors(model)
        self._vars = [t["variable"] for t in self._tensors]
        loss_fn = _data_loss(model)
        variables = [v.value if hasattr(v, "value") else v for v in self._vars]
        dtype = model.dtype if isinstance(model.dtype, str) else str(model.dtype)
        self.dtype = dtype
        zero = tf.UnconnectedGradients.ZERO

        @tf.function(reduce_retracing=True)
        def evaluate(x, y):
            with tf.GradientTape(persistent=True) as tape:
                pred = model(x, training=True)
                data = tf.cast(loss_fn(y, pred), x.dtype)
                penalties = [tf.cast(p, x.dtype) for p in model.losses]
                reg = tf.add_n(penalties) if penalties else tf.zeros((), x.dtype)
            g_data = tape.gradient(data, variables, unconnected_gradients=zero)
            g_reg = tape.gradient(reg, variables, unconnected_gradients=zero)
            del tape
            return data, reg, g_data, g_reg

        self._evaluate = evaluate
        self._xt = tf.constant(np.asarray(self.x), dtype)
        self._yt = tf.constant(np.asarray(self.y))
        import importlib.metadata as md

        meta = {"writer": "keras-callback", "dtype": dtype, "steps": self.params.get("epochs") if self.params else None,
                "keras_version": keras.__version__, "tensorflow_version": tf.__version__,
                "numpy_version": np.__version__, "h5py_version": md.version("h5py"),
                "samples_count": int(len(self.x)), "data_fingerprint": self.fingerprint}
        self.writer = TraceWriter(self.path, writer="keras-callback", meta=meta)
        stored = self.stored_input if self.stored_input is not None else np.asarray(self.x)
        self.writer.add_side("A", [{k: v for k, v in t.items() if k != "variable"} for t in self._tensors],
                             attrs={"spec": self.spec or f"model.fit of {model.name}", "dialect": "keras",
                                    "framework": f"keras {keras.__version__} (model.fit)", "dtype": dtype,
                                    "penalised": bool(model.losses), "separates_terms": True, "has_grads": True,
                                    "input_range": f"[{np.min(stored):.4g}, {np.max(stored):.4g}] (as given to fit)"},
                             inputs=np.asarray(stored, dtype=np.float64).reshape(len(stored), -1))
        self.step = 0
        self._record()

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        self._record()

    def on_train_end(self, logs=None):
        if self.writer is not None:
            self.writer.close(complete=True, final={"steps_run": self.step})
            self.writer = None

    # -- one step ---------------------------------------------------------------------------------------------
    def _record(self):
        data, reg, g_data, g_reg = self._evaluate(self._xt, self._yt)
        keys = [t["key"] for t in self._tensors]
        weights = {t["key"]: np.asarray(t["variable"].numpy()) for t in self._tensors}
        self.writer.append("A", self.step, weights,
                           grads={"data": {k: g.numpy() for k, g in zip(keys, g_data)},
                                  "reg": {k: g.numpy() for k, g in zip(keys, g_reg)}},
                           loss={"data": float(data), "reg": float(reg)}, lr=_lr(self.model))
        self.writer.end_step()


def _data_loss(model):
    """The compiled loss alone (Model.compute_loss adds `model.losses` after it)."""
    compiled = getattr(model, "_compile_loss", None)
    if compiled is not None:
        return lambda y, pred: compiled(y, pred)
    fn = keras.losses.get(model.loss)
    return lambda y, pred: keras.ops.mean(fn(y, pred))


def _lr(model):
    try:
        return float(np.asarray(model.optimizer.learning_rate))
    except Exception:
        return None
