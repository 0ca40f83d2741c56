"""PyTorch data-parallel: a spec trained under DistributedDataParallel in N local processes that parity
launches, steps in lockstep with itself, and tears down.

Each process (rank r of N) builds the spec from its own code, joins one process group on 127.0.0.1 (gloo on
the CPU, NCCL on GPUs) and takes samples r·B/N .. (r+1)·B/N − 1 of the full batch B. Per step the parent
asks every process, over an authenticated local connection, to set weights, evaluate (its shard's loss,
the gradients of it, the stage activations) or update (the spec's step, or zero_grad/forward/backward/step,
on the DDP-wrapped model: DDP all-reduces the gradients in backward and divides them by N, i.e. averages,
torch/nn/parallel/distributed.py, `gradient_as_bucket_view` aside). So the side shows what DDP trains
with: the mean over processes of their losses and of their gradients, and the activations concatenated in
rank order, which is sample order.

A process that fails, hangs past the timeout, or exits is reported as one error with every process's last
lines; all processes are stopped on every exit path (no orphans).
"""

import atexit
import os
import socket
import subprocess
import sys
import tempfile
import time
from multiprocessing.connection import Listener

import numpy as np

from ..description import Tensor
from ..errors import InternalError, SpecError, UsageError
from .base import Engine, Evaluation
from .factory import register

DEFAULT_TIMEOUT = 300.0  # seconds one request may take when --timeout does not say


def free_port():
    """A port free on 127.0.0.1 now, for the process group's rendezvous (never another interface)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ReplicaError(SpecError):
    """One of the data-parallel processes failed; the message has every process's account."""


class DDPGroup:
    """N processes training one spec under DistributedDataParallel; `request(cmd, per_rank_args)` runs a
    command on every rank and returns their answers in rank order."""

    def __init__(self, source, replicas, dtype="float32", device="cpu", timeout=None):
        """`source`: (spec path, function name, keyword arguments, --optimizer sgd's rate or None, one sample's
        shape) — each process builds its own copy of the spec from its code."""
        self.replicas, self.timeout = replicas, float(timeout or DEFAULT_TIMEOUT)
        self.source = source
        self.procs, self.conns, self.logs = [], [], []
        authkey = os.urandom(16)
        self.listener = Listener(("127.0.0.1", 0), authkey=authkey)
        port = free_port()
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env = dict(os.environ, PARITY_DDP_AUTHKEY=authkey.hex(),
                   PYTHONPATH=os.pathsep.join([root] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
        try:
            for _ in range(replicas):
                log = tempfile.TemporaryFile()
                self.logs.append(log)
                self.procs.append(subprocess.Popen(
                    [sys.executable, "-c", "from parity.engines.torch_ddp_worker import main; main()",
                     str(self.listener.address[1])], env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL))
            for rank in range(replicas):
                conn = self._accept()
                conn.send((rank, replicas, port, source, dtype, device))
                self.conns.append(conn)
            self.layout, self.dropout_off, self.loss_kind = self.request("start", [None] * replicas)[0]
            atexit.register(self.close)  # no orphans, whatever way the parent ends
        except BaseException:
            self.close()
            raise

    def _accept(self):
        """listener.accept() bounded by the timeout and by the processes staying alive."""
        import threading

        box = []
        thread = threading.Thread(target=lambda: box.append(self.listener.accept()), daemon=True)
        thread.start()
        deadline = time.monotonic() + self.timeout
        while thread.is_alive():
            thread.join(0.2)
            if any(p.poll() is not None for p in self.procs) and thread.is_alive():
                self._fail("a process exited before it connected")
            if time.monotonic() > deadline:
                self._fail(f"the processes did not connect within {self.timeout:g} s")
        return box[0]

    def request(self, cmd, args_per_rank):
        for conn, args in zip(self.conns, args_per_rank):
            conn.send((cmd, args))
        return self._answers(cmd)

    def _answers(self, cmd):
        out, deadline = [], time.monotonic() + self.timeout
        for rank, conn in enumerate(self.conns):
            while not conn.poll(0.2):
                if any(p.poll() is not None for p in self.procs):
                    self._fail(self._said_error(cmd) or f"a process exited during {cmd!r}")
                if time.monotonic() > deadline:
                    self._fail(f"{cmd!r} took longer than {self.timeout:g} s")
            try:
                status, value = conn.recv()
            except EOFError:
                self._fail(f"rank {rank} closed its connection during {cmd!r}")
            if status == "error":
                self._fail(f"rank {rank} failed during {cmd!r}: {value}")
            out.append(value)
        return out

    def _said_error(self, cmd):
        """The error a rank sent before it exited, if any: a rank other than the one being waited for can
        fail first (each builds the spec on its own), and its message says more than its exit."""
        for rank, conn in enumerate(self.conns):
            try:
                if conn.poll(0):
                    status, value = conn.recv()
                    if status == "error":
                        return f"rank {rank} failed during {cmd!r}: {value}"
            except (EOFError, OSError):
                continue
        return None

    def _fail(self, what):
        """Stop every process, then raise one error with what each one said last."""
        self.close()
        accounts = []
        for rank, log in enumerate(self.logs):
            log.seek(0)
            lines = [line for line in log.read().decode(errors="replace").splitlines() if line.strip()]
            accounts.append(f"rank {rank}: " + (" | ".join(lines[-3:]) if lines else "(no output)"))
        path, name = self.source[:2]
        error = ReplicaError(f"DistributedDataParallel on {self.replicas} processes ({path}:{name}): {what}. "
                             + "; ".join(accounts), path=path)
        error.processes = list(self.procs)  # all stopped by now
        raise error

    def close(self):
        atexit.unregister(self.close)
        for conn in self.conns:
            try:
                conn.send(("stop", None))
            except OSError:
                pass
        for p in self.procs:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for conn in self.conns:
            conn.close()
        self.conns = []
        self.listener.close()

    def __del__(self):
        if any(p.poll() is None for p in getattr(self, "procs", [])):
            self.close()


def shards(n, replicas):
    """Contiguous (start, stop) per rank; the batch must split evenly."""
    if n % replicas:
        raise UsageError(f"the full batch of {n} samples does not split evenly over {replicas} replicas; give "
                         f"--samples a multiple of {replicas}.")
    k = n // replicas
    return [(r * k, (r + 1) * k) for r in range(replicas)]


ROLES = {"BatchNorm1d": {"weight": "gamma", "bias": "beta"}, "BatchNorm2d": {"weight": "gamma", "bias": "beta"},
         "SyncBatchNorm": {"weight": "gamma", "bias": "beta"}}
LAYOUTS = {2: "out,in", 4: "out,in,h,w"}  # nn.Linear (out, in), nn.Conv2d (out, in, h, w)


class ReplicatedTorchEngine(Engine):
    """A PyTorch side under DistributedDataParallel: the mean over processes of their losses and gradients
    (what DDP applies), activations in sample order, the update DDP's own."""

    separates_terms = True

    def __init__(self, source, label, dtype, replicas, device="cpu", timeout=None):
        self.label, self.dtype, self.replicas = label, dtype, replicas
        self.group = DDPGroup(source, replicas, dtype, device, timeout)
        self.tensors = [Tensor(module, key, ROLES.get(kind, {}).get(pname, {"weight": "kernel"}.get(pname, pname)),
                               shape, LAYOUTS.get(len(shape), ""))
                        for module, key, pname, shape, kind in self.group.layout]
        self.stage_names = list(dict.fromkeys(t.layer for t in self.tensors))
        self.dropout_disabled = self.group.dropout_off
        self._batch = None

    def get_weights(self):
        return self.group.request("get_weights", [None] * self.replicas)[0]

    def set_weights(self, weights):
        self.group.request("set_weights", [(weights,)] * self.replicas)

    def evaluate(self, x, y):
        cuts = shards(len(y), self.replicas)
        self._batch = [(x[a:b], y[a:b]) for a, b in cuts]
        answers = self.group.request("evaluate", self._batch)
        loss = float(np.mean([a[0] for a in answers]))  # DDP averages: the objective is the mean of the losses
        grads = {k: np.mean([a[1][k] for a in answers], axis=0) for k in answers[0][1]}
        stages = [np.concatenate([a[2][i] for a in answers]) for i in range(len(answers[0][2]))]
        acts = [_canonical(a) for a in stages[:-1]] + [_canonical(self._output(stages[-1]))]
        zeros = {k: np.zeros_like(v) for k, v in grads.items()}
        return Evaluation(loss_total=loss, loss_data=loss, loss_reg=0.0, grads_total=grads, grads_data=grads,
                          grads_reg=zeros, activations=list(zip(self.stage_names, acts)))

    def _output(self, out):
        """Predictions, as the single-process torch engine compares them: softmax of logits."""
        if self.group.loss_kind == "CrossEntropyLoss":
            z = np.exp(out - out.max(axis=-1, keepdims=True))
            return z / z.sum(axis=-1, keepdims=True)
        return np.exp(out) if self.group.loss_kind == "NLLLoss" else out

    def update(self, lr=None):
        self.group.request("update", self._batch)

    def close(self):
        self.group.close()


def _canonical(a):
    return a.transpose(0, 2, 3, 1) if a.ndim == 4 else a  # (N, C, H, W) -> (N, H, W, C), as parity compares


@register("torch", replicated=True)
def _from_side(side, label, dtype, device=None, sgd_lr=None, lr=None, replicas=2):
    """The side's spec built again in every process, from its file, its function NAME and NAME's keyword
    arguments (--a-set/--b-set), which the PyTorch dialect's handle names."""
    name = getattr(side.handle, "name", None)
    if name is None:
        raise InternalError(f"side {label} ({side.path}): the PyTorch side's handle does not say which function "
                            "of the spec built it (handle.name, handle.kwargs), so its processes cannot build it.")
    path, kwargs = str(side.path), dict(getattr(side.handle, "kwargs", None) or {})
    where = "cuda" if device is not None and "gpu" in str(device).lower() else "cpu"
    return ReplicatedTorchEngine((path, name or "build", kwargs, sgd_lr, tuple(side.input_shape)), label, dtype,
                                 replicas, where)
