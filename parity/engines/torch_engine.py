"""Real PyTorch: full batch, one update per step with the spec's own optimizer, loss, scheduler and `step`.

The compared quantities are computed beside the user's step: the data term and its gradients by
`torch.autograd.grad` (which leaves `.grad` as the user's step left it; weight decay lives in a torch
optimizer and is judged by the weights, as Caffe's), and the activations at each stage's end — what the
next parameterised module receives (a forward pre-hook), so functional ops written in `forward()`
belong to the stage before, as Keras's fused activations do. The batch statistics a BatchNorm keeps
are put back after each evaluation, so only the user's step moves them.

Without a `step` of the user's, the evaluation is the update's own pass: its backward pass fills `.grad`
as the default step's would, and the next `update` only calls `optimizer.step()` (one forward and one
backward pass per step, as a torch training loop makes), unless the weights were set in between. With
--micro-batch the loss of each micro-batch, weighted by its share of the batch (1 for a summed loss),
is backpropagated in turn: the gradients add up to the full batch's.
"""

import copy
import os

import numpy as np

from ..description import Tensor
from ..errors import SpecError
from ..frameworks import torch as facts
from .base import Engine, Evaluation, MicroBatched, spans
from .factory import register
from .step_check import relate
from .torch_model import (
    batch_tensors,
    disable_dropout,
    flatten_watch,
    output_kind_of,
    parameter_layout,
    parameterised_modules,
    probe_output_kind,
    restore_buffers,
    save_buffers,
)


def import_torch():
    from .. import lazy

    return lazy.torch("a PyTorch spec")


def torch_device(device):
    """parity's --device choice (or a TensorFlow device name) -> a torch device name."""
    torch = import_torch()
    text = str(device or "auto").lower()
    if "gpu" in text or "cuda" in text:
        return "cuda"
    if "cpu" in text:
        return "cpu"
    return "cuda" if torch.cuda.is_available() else "cpu"


def deterministic(torch, device):
    """Op determinism everywhere; on CUDA also no TF32 (it rounds float32 matmuls to 10-bit mantissas)."""
    if device == "cuda":
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # cuBLAS's condition for determinism
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cudnn.benchmark = False
    torch.use_deterministic_algorithms(True)


class TorchEngine(Engine):
    separates_terms = True

    def __init__(self, parts, label, dtype="float32", device=None, sgd_lr=None, source="PyTorch spec", default_lr=0.01):
        """`parts`: the spec as the PyTorch dialect reads it, built fresh for this engine: model, optimizer,
        loss, scheduler (or None), step (or None), input_shape (one sample, the module's layout)."""
        torch = import_torch()
        self.torch, self.label, self.dtype, self.source = torch, label, dtype, source
        self.device = torch_device(device)
        deterministic(torch, self.device)
        self.tdtype = {"float32": torch.float32, "float64": torch.float64}[dtype]
        self.model = parts["model"]
        self.model.to(device=self.device, dtype=self.tdtype)  # in place: the optimizer keeps its references
        self.model.train()
        self.dropout_disabled = disable_dropout(self.model)
        self.loss_fn, self.user_step = parts["loss"], parts.get("step")
        self.input_shape = tuple(parts["input_shape"])
        if sgd_lr is not None or parts["optimizer"] is None:  # --optimizer sgd, or a bare module: SGD at --lr
            self.optimizer = torch.optim.SGD(self.model.parameters(), lr=sgd_lr or default_lr)
            self.scheduler, self.user_step = None, None
        else:
            self.optimizer, self.scheduler = parts["optimizer"], parts.get("scheduler")
        self.output_kind = output_kind_of(self.loss_fn)
        self.step_checks, self._updates, self._batch = [], 0, None
        self.micro_batch, self._loss_weight = None, None  # --micro-batch: samples per pass; "mean" or "sum"
        self._version, self._pending = 0, None  # the weights' version; (version, buffers) of a ready .grad
        self._describe()

    # -- structure ------------------------------------------------------------------------------------
    def _describe(self):
        """Tensors in forward order, from one probe forward pass: a pre-hook sees what each parameterised
        module receives, and a flatten watch the (C, H, W) map a flat input to a Linear came from."""
        order, inputs = [], {}
        modules = parameterised_modules(self.model)
        watch = flatten_watch(self.torch)

        def seen(name):
            def hook(module, args):
                if name not in inputs:
                    order.append(name)
                    shape = tuple(args[0].shape[1:]) if args and hasattr(args[0], "shape") else ()
                    last = watch.last
                    flat = last if len(shape) == 1 and last and int(np.prod(last)) == shape[0] else None
                    inputs[name] = (shape, flat)
            return hook

        handles = [m.register_forward_pre_hook(seen(n)) for n, m in modules]
        saved = save_buffers(self.model)
        try:
            with self.torch.no_grad(), watch:
                self.model(self.torch.zeros((2,) + self.input_shape, dtype=self.tdtype, device=self.device))
        except Exception as err:
            shape = ", ".join(map(str, self.input_shape))
            raise SpecError(f"the model's forward pass on an input of shape (N, {shape}) raised "
                            f"{type(err).__name__}: {err}", path=self.source) from None
        finally:
            for h in handles:
                h.remove()
            restore_buffers(self.torch, self.model, saved)
        by_name = dict(modules)
        order += [n for n, _ in modules if n not in inputs]  # never called: listed last, still synced
        self.params, self.tensors, self.stage_shapes = {}, [], []
        for name in order:
            module = by_name[name]
            shape_in, flat = inputs.get(name, ((), None))
            self.stage_shapes.append(flat or shape_in)
            for pname, p in module.named_parameters(recurse=False):
                if not p.requires_grad:
                    continue
                key = f"{name}.{pname}" if name else pname
                role = facts.ROLES.get(type(module).__name__, {}).get(pname, {"weight": "kernel"}.get(pname, pname))
                self.params[key] = p
                self.tensors.append(Tensor(name or "model", key, role, tuple(p.shape), parameter_layout(p, flat)))
        self.stage_names = [n or "model" for n in order]
        self._stage_modules = [by_name[n] for n in order]

    # -- weights --------------------------------------------------------------------------------------
    def get_weights(self):
        return {k: p.detach().cpu().numpy().copy() for k, p in self.params.items()}

    def set_weights(self, weights):
        self._version += 1  # the gradients of the last evaluation are not these weights' any more
        with self.torch.no_grad():  # in place: the optimizer holds these very Parameters
            for key, value in weights.items():
                p = self.params[key]
                p.copy_(self.torch.as_tensor(np.asarray(value).reshape(tuple(p.shape)), dtype=p.dtype))

    # -- evaluation -----------------------------------------------------------------------------------
    def _loss(self, out, y):
        try:
            value = self.loss_fn(out, y)
        except Exception as err:
            raise SpecError(f"the loss raised {type(err).__name__} on the model's output of shape "
                            f"{tuple(out.shape)} and int64 labels of shape {tuple(y.shape)}: {err}",
                            path=self.source) from None
        if value.dim() != 0:
            raise SpecError(f"the loss must return one number; it returned shape {tuple(value.shape)} "
                            "(reduction='none'?).", path=self.source)
        return value

    def use_micro_batch(self, size):
        """--micro-batch: each step's loss and gradients summed over micro-batches of `size` samples. Refused
        for a module that normalises with the batch's statistics and for a loss that is neither the mean nor
        the sum of per-sample terms (no weighting of micro-batches makes either exact)."""
        from ..errors import UsageError

        for name, module in self.model.named_modules():
            if isinstance(module, self.torch.nn.modules.batchnorm._BatchNorm) and module.training:
                raise UsageError(f"--micro-batch {size}: module '{name}' ({type(module).__name__}) normalises with "
                                 "the statistics of the whole batch in training mode; micro-batches would change "
                                 "them. Expected a model without batch statistics; run without --micro-batch.",
                                 path=self.source)
        self.micro_batch = size

    def _reduction(self, xt, yt):
        """"mean" or "sum": how the loss treats the batch, measured rather than read (a loss may be a
        function of the user's): a batch of one sample twice has the sample's loss under a mean and twice it
        under a sum."""
        from ..errors import UsageError

        with self.torch.no_grad():
            one = float(self._loss(self.model(xt[:1]), yt[:1]))
            two = float(self._loss(self.model(xt[:1].repeat_interleave(2, 0)), yt[:1].repeat_interleave(2, 0)))
        for kind, factor in (("mean", 1.0), ("sum", 2.0)):
            if abs(two - factor * one) <= 1e-5 * max(abs(two), abs(one), 1e-30):
                return kind
        raise UsageError(f"--micro-batch {self.micro_batch}: the loss is neither the mean nor the sum of per-sample "
                         f"terms (one sample: {one:.6g}; the same sample twice: {two:.6g}), so no weighting of "
                         "micro-batches gives the full batch's; run without --micro-batch.", path=self.source)

    def _parts(self, xt, yt):
        """[(start, stop, weight)]: the whole batch at weight 1, or under --micro-batch each micro-batch at
        its share of the batch for a mean loss and at 1 for a summed one, so that the weighted parts add up
        to the full batch's loss and gradients."""
        n = len(xt)
        if not self.micro_batch or n <= self.micro_batch:
            return [(0, n, 1.0)]
        if self._loss_weight is None:
            self._loss_weight = self._reduction(xt, yt)
        mean = self._loss_weight == "mean"
        return [(lo, hi, (hi - lo) / n if mean else 1.0) for lo, hi in spans(n, self.micro_batch)]

    def _stage_inputs(self, stages):
        """Forward pre-hooks that append what each stage after the first receives to `stages`."""
        return [m.register_forward_pre_hook(lambda module, args: stages.append(args[0].detach()))
                for m in self._stage_modules[1:]]

    def _gradients(self, xt, yt, fill_grad, watch=None):
        """The data loss over the batch and its gradients, one micro-batch (or the whole batch) at a time:
        into `.grad` as the default step's backward pass leaves it (`fill_grad`), else beside it by
        `torch.autograd.grad`. `watch(out, data, labels)` sees each pass's output, loss and labels."""
        torch = self.torch
        params, total, loss = list(self.params.values()), None, 0.0
        if fill_grad:
            self.optimizer.zero_grad()
        with torch.enable_grad():
            for lo, hi, weight in self._parts(xt, yt):
                out = self.model(xt[lo:hi])
                data = self._loss(out, yt[lo:hi])
                if watch is not None:
                    watch(out, data, yt[lo:hi])
                loss += float(data.detach()) * weight
                if fill_grad:
                    (data * weight if weight != 1.0 else data).backward()
                    continue
                grads = torch.autograd.grad(data, params, allow_unused=True)
                part = [(g if g is not None else torch.zeros_like(p)).detach() * weight for g, p in zip(grads, params)]
                total = part if total is None else [a + b for a, b in zip(total, part)]
        if fill_grad:
            total = [p.grad.detach() if p.grad is not None else torch.zeros_like(p) for p in params]
        return loss, {k: g.cpu().numpy().copy() for k, g in zip(self.params, total)}

    def evaluate(self, x, y):
        xt, yt = batch_tensors(self.torch, x, y, self.tdtype, self.device)
        self._batch = (xt, yt)
        fused = self.user_step is None  # the default step's own backward pass: `update` reuses it
        whole = len(self._parts(xt, yt)) == 1
        stages, seen = [], {}
        handles = self._stage_inputs(stages) if whole else []
        saved = save_buffers(self.model)
        try:
            def watch(out, data, labels):  # the first pass: the output convention is told from it
                if not seen:
                    seen.update(out=out.detach(), data=float(data.detach()), labels=labels)
            loss, gd = self._gradients(xt, yt, fused, watch)
        finally:
            for h in handles:
                h.remove()
            after = save_buffers(self.model) if fused else None
            restore_buffers(self.torch, self.model, saved)
        self._pending = (self._version, after) if fused else None
        if self.output_kind is None:  # a loss of the user's own: tell its output convention by its value
            self.output_kind = probe_output_kind(self.torch, seen["out"], seen["labels"], seen["data"])
        zeros = {k: np.zeros_like(v) for k, v in gd.items()}
        if whole:
            acts = [self._canonical(a, shape) for a, shape in zip(stages, self.stage_shapes[1:])]
            acts.append(self._output(seen["out"]))
            acts = list(zip(self.stage_names, acts))
        else:
            acts = MicroBatched(self.stage_names, lambda lo, hi: self._forward(xt[lo:hi]), len(xt),
                                self.micro_batch).stages()
        return Evaluation(loss_total=loss, loss_data=loss, loss_reg=0.0, grads_total=gd, grads_data=gd,
                          grads_reg=zeros, activations=acts)

    def _forward(self, xt):
        """Every stage's activations for one micro-batch, without gradients or moving any statistics."""
        stages = []
        handles = self._stage_inputs(stages)
        saved = save_buffers(self.model)
        try:
            with self.torch.no_grad():
                out = self.model(xt)
        finally:
            for h in handles:
                h.remove()
            restore_buffers(self.torch, self.model, saved)
        acts = [self._canonical(a, shape) for a, shape in zip(stages, self.stage_shapes[1:])]
        return acts + [self._output(out)]

    def _canonical(self, a, shape):
        """(N, C, H, W) -> (N, H, W, C); a C,H,W-flattened vector -> the H,W,C order of Keras's Flatten."""
        a = a.cpu().numpy()
        if a.ndim == 4:
            return a.transpose(0, 2, 3, 1)
        if a.ndim == 2 and len(shape) == 3 and a.shape[1] == int(np.prod(shape)):
            return a.reshape((len(a),) + tuple(shape)).transpose(0, 2, 3, 1).reshape(len(a), -1)
        return a

    def _output(self, out):
        """Predictions, not logits: logits into CrossEntropyLoss and log-probabilities into NLLLoss are
        the same objective as softmax into Keras's cross-entropy, so all are compared as probabilities."""
        torch = self.torch
        if self.output_kind == "logits":
            out = torch.softmax(out, dim=-1)
        elif self.output_kind == "log_probs":
            out = torch.exp(out)
        return self._canonical(out, ())

    def evaluate_loss(self, x, y):
        xt, yt = batch_tensors(self.torch, x, y, self.tdtype, self.device)
        saved = save_buffers(self.model)
        try:
            with self.torch.no_grad():
                return sum(float(self._loss(self.model(xt[lo:hi]), yt[lo:hi])) * weight
                           for lo, hi, weight in self._parts(xt, yt))
        finally:
            restore_buffers(self.torch, self.model, saved)

    # -- update ---------------------------------------------------------------------------------------
    def update(self, lr=None):
        """One update with the spec's own step (or the default one), then one scheduler step."""
        x, y = self._batch
        self._updates += 1
        if self.user_step is not None:
            before, declared = self._declared_update(x, y)
            self._run(self.user_step, x, y)
            self.step_checks.append(relate(self._updates, before, self.get_weights(), declared))
        elif self._pending is not None and self._pending[0] == self._version:
            restore_buffers(self.torch, self.model, self._pending[1])  # what the evaluation's forward pass made of them
            self.optimizer.step()  # .grad holds the evaluation's gradients at these very weights
        else:
            self._run(self._default_step, x, y)
        self._pending = None
        if self.scheduler is not None:
            self.scheduler.step()

    def _default_step(self, model, optimizer, x, y):
        """zero_grad, forward, loss, backward, optimizer.step (the backward over micro-batches with
        --micro-batch)."""
        self._gradients(x, y, fill_grad=True)
        optimizer.step()

    def _run(self, step, x, y):
        with self.torch.enable_grad():
            try:
                step(self.model, self.optimizer, x, y)
            except SpecError:
                raise
            except Exception as err:
                raise SpecError(f"the spec's step(model, optimizer, x, y) raised {type(err).__name__}: {err}",
                                path=self.source) from None

    def _declared_update(self, x, y):
        """The declared update (zero_grad, forward, loss, backward, optimizer.step) from the same state,
        undone again: (weights before, weights after it)."""
        before = self.get_weights()
        state = copy.deepcopy(self.optimizer.state_dict())
        grads = {k: None if p.grad is None else p.grad.detach().clone() for k, p in self.params.items()}
        buffers = save_buffers(self.model)
        self._run(self._default_step, x, y)
        declared = self.get_weights()
        self.set_weights(before)
        self.optimizer.load_state_dict(state)
        for k, p in self.params.items():
            p.grad = grads[k]
        restore_buffers(self.torch, self.model, buffers)
        return before, declared

    def current_lr(self):
        return float(self.optimizer.param_groups[0]["lr"])


@register("torch")
def _from_side(side, label, dtype, device=None, sgd_lr=None, lr=None):
    """Real PyTorch: fresh parts of the side's spec, its own optimizer or plain SGD at `sgd_lr`."""
    return TorchEngine(side.handle.fresh(), label, dtype, device, sgd_lr, source=side.path,
                       default_lr=lr if lr is not None else 0.01)
