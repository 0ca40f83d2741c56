"""Record a PyTorch training loop as a parity trace, with hooks: the loop stays the user's own.

    from parity.recorders.torch_hooks import TorchRecorder, seeded_start

    model = nn.Sequential(nn.Linear(784, 30), nn.Sigmoid(), nn.Linear(30, 10), nn.Sigmoid())
    seeded_start(model, seed=0)               # optional: the weights `parity record --weights seed:0` uses
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    loss_fn = nn.MSELoss()
    rec = TorchRecorder("torch.h5", model, opt, loss_fn, x, y)
    for _ in range(steps):                    # full batch: one update per step
        opt.zero_grad(); loss = loss_fn(model(x), y); loss.backward(); opt.step()
    rec.close()                               # records the state after the last update, then closes

How it hooks in: a forward hook on the model keeps the loss of the latest forward pass
(loss_fn(output, y)) and, with `activations=True`, forward hooks on the leaf modules keep their
outputs; an optimizer step pre-hook records the step just before each update (the weights, the
gradients in `.grad` from the user's backward pass, that loss, and the learning rate of the
update). `close()` evaluates the final weights with one more forward and backward pass of its own
(the gradients it leaves are put back as they were).

The loss is recorded as the data term and the gradients as its gradients: weight decay given to
the optimizer lives in the optimizer (as in Caffe) and shows in the weights. A penalty added to
the loss by hand makes them the full objective: pass `terms=False`.

Layouts: Linear weights are (out, in), Conv2d weights (out, in, h, w); a Linear fed by a flattened
conv map gets 'out,in(c,h,w:C,H,W)' from the shape of the last 4-D output before it. Needs torch,
numpy and h5py; the trace writer is tracefile.py beside this file.
"""

import numpy as np
import torch

try:  # inside parity, or copied next to tracefile.py
    from .tracefile import TraceWriter, seeded
except ImportError:  # pragma: no cover
    from tracefile import TraceWriter, seeded

NORMS = ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm", "GroupNorm")


def _leaves(model):
    return [(name, m) for name, m in model.named_modules() if not list(m.children())]


def _role(module, pname):
    if module.__class__.__name__ in NORMS:
        return {"weight": "gamma", "bias": "beta"}.get(pname, pname)
    return {"weight": "kernel", "bias": "bias"}.get(pname, pname)


def _layout(module, pname, shape, last_map):
    if pname != "weight" or len(shape) < 2:
        return ""
    if len(shape) == 4:
        return "out,in,h,w"
    if len(shape) == 2:
        if last_map is not None and int(np.prod(last_map)) == shape[1] and isinstance(module, torch.nn.Linear):
            c, h, w = last_map
            return f"out,in(c,h,w:{c},{h},{w})"
        return "out,in"
    return ""


def seeded_start(model, seed=0):
    """Set the model's parameters to the contract's `--weights seed:N` draw. The draw is in canonical
    (Keras) layout: (in, out) for a dense kernel, (h, w, in, out) for a conv kernel; PyTorch's
    (out, in) and (out, in, h, w) are transposed from it. A Linear after a flattened conv map needs
    the flatten order too: use TorchRecorder's layouts (`recorder.tensors`) and parity.weights."""
    index = 0
    with torch.no_grad():
        for _, module in _leaves(model):
            for pname, p in module.named_parameters(recurse=False):
                if not p.requires_grad:
                    continue
                shape = tuple(p.shape)
                role = _role(module, pname)
                if len(shape) == 2 and role == "kernel":
                    value = seeded(seed, index, role, (shape[1], shape[0])).T
                elif len(shape) == 4 and role == "kernel":
                    value = seeded(seed, index, role, (shape[2], shape[3], shape[1], shape[0])).transpose(3, 2, 0, 1)
                else:
                    value = seeded(seed, index, role, shape)
                p.copy_(torch.as_tensor(np.ascontiguousarray(value), dtype=p.dtype))
                index += 1


class TorchRecorder:
    def __init__(self, path, model, optimizer, loss_fn, x, y, spec=None, activations=False, terms=True,
                 fingerprint=None, stored_input=None):
        self.path, self.model, self.optimizer, self.loss_fn = str(path), model, optimizer, loss_fn
        self.x, self.y, self.spec, self.activations, self.terms = x, y, spec, activations, terms
        self.fingerprint, self.stored_input = fingerprint, stored_input
        self.step, self.writer = 0, None
        self._loss, self._acts, self._maps, self._order = None, {}, {}, []
        self._params = [(name, module, pname, p) for name, module in _leaves(model)
                        for pname, p in module.named_parameters(recurse=False) if p.requires_grad]
        self._handles = [model.register_forward_hook(self._on_output)]
        for name, module in _leaves(model):
            self._handles.append(module.register_forward_hook(self._leaf_hook(name)))
        self._handles.append(optimizer.register_step_pre_hook(self._before_update))

    # -- hooks ------------------------------------------------------------------------------------------
    def _on_output(self, module, inputs, output):
        with torch.no_grad():
            self._loss = float(self.loss_fn(output, self.y))

    def _leaf_hook(self, name):
        def hook(module, inputs, output):
            if isinstance(output, torch.Tensor):
                if output.dim() == 4:
                    self._maps[name] = tuple(output.shape[1:])
                self._order.append(name)
                if self.activations:
                    self._acts[name] = output.detach().cpu().numpy()
        return hook

    def _before_update(self, optimizer, args, kwargs):
        self._record(self._lr())
        self.step += 1

    # -- recording --------------------------------------------------------------------------------------
    def _describe(self):
        """Tensor metadata, from the latest forward pass's shapes (the flatten layout of a Linear)."""
        tensors, last_map, seen = [], None, {}
        order = list(dict.fromkeys(self._order))
        position = {name: i for i, name in enumerate(order)}
        by_module = {}
        for name, module, pname, p in self._params:
            by_module.setdefault(name, []).append((module, pname, p))
        for name in sorted(by_module, key=lambda n: position.get(n, len(position))):
            for module, pname, p in by_module[name]:
                tensors.append({"layer": name or "model", "key": f"{name}.{pname}" if name else pname,
                                "role": _role(module, pname), "shape": tuple(p.shape),
                                "layout": _layout(module, pname, tuple(p.shape), last_map)})
                seen[id(p)] = tensors[-1]["key"]
            if name in self._maps:
                last_map = self._maps[name]
        self._keys = seen
        return tensors

    def _start(self):
        import importlib.metadata as md

        dtype = str(next(self.model.parameters()).dtype).replace("torch.", "")
        meta = {"writer": "pytorch-hooks", "dtype": dtype, "torch_version": torch.__version__,
                "numpy_version": np.__version__, "h5py_version": md.version("h5py"),
                "samples_count": int(len(self.x)), "data_fingerprint": self.fingerprint}
        self.writer = TraceWriter(self.path, writer="pytorch-hooks", meta=meta)
        x = self.stored_input if self.stored_input is not None else _stored(self.x)
        self.writer.add_side("A", self._describe(),
                             attrs={"spec": self.spec or f"PyTorch {self.model.__class__.__name__}",
                                    "dialect": "pytorch", "framework": f"torch {torch.__version__}", "dtype": dtype,
                                    "penalised": False, "separates_terms": bool(self.terms), "has_grads": True,
                                    "input_range": f"[{float(np.min(x)):.4g}, {float(np.max(x)):.4g}] (as given)"},
                             inputs=np.asarray(x, dtype=np.float64).reshape(len(x), -1))

    def _record(self, lr):
        if self.writer is None:
            self._start()
        weights, grads = {}, {}
        for *_, p in self._params:
            key = self._keys[id(p)]
            weights[key] = p.detach().cpu().numpy().copy()
            grads[key] = (p.grad.detach().cpu().numpy().copy() if p.grad is not None
                          else np.zeros(tuple(p.shape), weights[key].dtype))
        term = "data" if self.terms else "total"
        acts = None
        if self.activations:
            acts = [(n, _nhwc(self._acts[n])) for n in dict.fromkeys(self._order) if n in self._acts]
        self.writer.append("A", self.step, weights, grads={term: grads}, loss={term: self._loss}, lr=lr,
                           activations=acts)
        self.writer.end_step()
        self._order = []

    def _lr(self):
        rates = [g.get("lr") for g in self.optimizer.param_groups]
        return float(rates[0]) if rates and rates[0] is not None else None

    def close(self):
        """Record the state after the last update (one forward and backward pass of the recorder's own),
        remove the hooks and close the trace."""
        saved = [None if p.grad is None else p.grad.detach().clone() for *_, p in self._params]
        self.model.zero_grad(set_to_none=False)
        self._order = []
        output = self.model(self.x)
        loss = self.loss_fn(output, self.y)
        loss.backward()
        self._loss = float(loss.detach())
        self._record(self._lr())
        for (*_, p), g in zip(self._params, saved):
            p.grad = g
        for h in self._handles:
            h.remove()
        self.writer.close(complete=True, final={"steps_run": self.step})


def _stored(x):
    """The input as samples are stored (N, H, W, C): PyTorch images are (N, C, H, W)."""
    a = x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
    return a.transpose(0, 2, 3, 1) if a.ndim == 4 else a


def _nhwc(a):
    return a.transpose(0, 2, 3, 1) if a.ndim == 4 else a.reshape(len(a), -1)
