"""One DistributedDataParallel process of a replicated PyTorch side (engines/torch_ddp.py launches N).

It connects back to the parent (127.0.0.1, the key from PARITY_DDP_AUTHKEY), receives its rank and the
spec, joins the process group, builds its own copy of the spec and then answers requests until "stop".
Nothing here prints: the parent reads a failing process's last lines from its log.
"""

import importlib.util
import os
import sys
from datetime import timedelta
from multiprocessing.connection import Client

import numpy as np

from .torch_model import batch_tensors, disable_dropout, restore_buffers, save_buffers


def load_parts(path, name, kwargs, sgd_lr):
    """What NAME(**kwargs) in the spec returns, as a dict: model, optimizer, loss, scheduler, step."""
    import torch

    spec = importlib.util.spec_from_file_location("parity_ddp_spec", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    spec.loader.exec_module(module)
    built = getattr(module, name)(**kwargs)
    if isinstance(built, torch.nn.Module):
        parts = {"model": built}
    elif isinstance(built, (tuple, list)):
        parts = dict(zip(("model", "optimizer", "loss", "scheduler"), built))
    else:
        parts = dict(built)
    parts.setdefault("loss", torch.nn.CrossEntropyLoss())
    if sgd_lr is not None or parts.get("optimizer") is None:
        parts["optimizer"] = torch.optim.SGD(parts["model"].parameters(), lr=sgd_lr or 0.01)
        parts["scheduler"], parts["step"] = None, None
    return parts


class Replica:
    def __init__(self, parts, dtype, device, input_shape):
        import torch
        from torch.nn.parallel import DistributedDataParallel

        self.torch = torch
        self.tdtype = {"float32": torch.float32, "float64": torch.float64}[dtype]
        self.device = device
        self.model = parts["model"].to(device=device, dtype=self.tdtype)  # in place: optimizer keeps its refs
        self.model.train()
        self.dropout_off = disable_dropout(self.model)
        self.optimizer, self.loss_fn = parts["optimizer"], parts["loss"]
        self.scheduler, self.user_step = parts.get("scheduler"), parts.get("step")
        self.ddp = DistributedDataParallel(self.model, device_ids=[device] if device != "cpu" else None)
        self.input_shape = tuple(input_shape)
        self.order = self._forward_order()

    def _forward_order(self):
        """Parameterised modules in the order the forward pass reaches them (a probe on zeros)."""
        torch = self.torch
        modules = [(n, m) for n, m in self.model.named_modules()
                   if any(p.requires_grad for p in m.parameters(recurse=False))]
        order = []
        handles = [m.register_forward_pre_hook(lambda mod, args, n=n: order.append(n) if n not in order else None)
                   for n, m in modules]
        saved = save_buffers(self.model)
        try:
            with torch.no_grad():
                self.model(torch.zeros((2,) + self.input_shape, dtype=self.tdtype, device=self.device))
        finally:
            for h in handles:
                h.remove()
            restore_buffers(self.torch, self.model, saved)
        return order + [n for n, _ in modules if n not in order]

    def start(self):
        """(module name, parameter key, parameter name, shape, module type) in forward order."""
        by_name = dict(self.model.named_modules())
        out = []
        for name in self.order:
            module = by_name[name]
            for pname, p in module.named_parameters(recurse=False):
                if p.requires_grad:
                    key = f"{name}.{pname}" if name else pname
                    out.append((name or "model", key, pname, tuple(p.shape), type(module).__name__))
        return out, self.dropout_off, type(self.loss_fn).__name__

    def _params(self):
        named = dict(self.model.named_parameters())
        return [(k, named[k]) for _, k, *_ in self.start()[0]]

    def set_weights(self, weights):
        with self.torch.no_grad():
            for key, p in self._params():
                p.copy_(self.torch.as_tensor(np.asarray(weights[key]).reshape(tuple(p.shape)), dtype=p.dtype))

    def get_weights(self):
        return {k: p.detach().cpu().numpy().copy() for k, p in self._params()}

    def evaluate(self, x, y):
        """This shard's loss, its gradients and each stage's input (what the next parameterised module
        receives), with the batch statistics put back: only the update moves them."""
        torch = self.torch
        xt, yt = batch_tensors(self.torch, x, y, self.tdtype, self.device)
        by_name = dict(self.model.named_modules())
        stages = []
        handles = [by_name[n].register_forward_pre_hook(lambda m, args: stages.append(args[0].detach()))
                   for n in self.order[1:]]
        saved = save_buffers(self.model)
        params = self._params()
        try:
            with torch.enable_grad():
                out = self.model(xt)
                loss = self.loss_fn(out, yt)
                grads = torch.autograd.grad(loss, [p for _, p in params], allow_unused=True)
        finally:
            for h in handles:
                h.remove()
            restore_buffers(self.torch, self.model, saved)
        g = {k: (gr if gr is not None else torch.zeros_like(p)).detach().cpu().numpy() for (k, p), gr in
             zip(params, grads)}
        return float(loss.detach()), g, [a.cpu().numpy() for a in stages] + [out.detach().cpu().numpy()]

    def update(self, x, y):
        """The spec's own step (or zero_grad, forward, loss, backward, step) on the DDP-wrapped model."""
        xt, yt = batch_tensors(self.torch, x, y, self.tdtype, self.device)
        with self.torch.enable_grad():
            if self.user_step is not None:
                self.user_step(self.ddp, self.optimizer, xt, yt)
            else:
                self.optimizer.zero_grad()
                self.loss_fn(self.ddp(xt), yt).backward()
                self.optimizer.step()
        if self.scheduler is not None:
            self.scheduler.step()
        return None


def main():
    port = int(sys.argv[1])
    conn = Client(("127.0.0.1", port), authkey=bytes.fromhex(os.environ["PARITY_DDP_AUTHKEY"]))
    import torch
    import torch.distributed as dist

    try:
        rank, world, group_port, (path, name, kwargs, sgd_lr, input_shape), dtype, device = conn.recv()
        if device != "cpu":
            torch.cuda.set_device(rank)
            device = f"cuda:{rank}"
        dist.init_process_group("nccl" if device != "cpu" else "gloo", init_method=f"tcp://127.0.0.1:{group_port}",
                                rank=rank, world_size=world, timeout=timedelta(seconds=120))
        torch.use_deterministic_algorithms(True)
        replica = Replica(load_parts(path, name, kwargs, sgd_lr), dtype, device, input_shape)
    except Exception as err:
        conn.send(("error", f"{type(err).__name__}: {err}"))
        return
    while True:
        cmd, args = conn.recv()
        if cmd == "stop":
            break
        try:
            conn.send(("ok", getattr(replica, cmd)(*(args or ()))))
        except Exception as err:
            conn.send(("error", f"{type(err).__name__}: {err}"))
    if dist.is_initialized():
        dist.destroy_process_group()
    conn.close()
