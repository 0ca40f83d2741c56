"""PyTorch under DistributedDataParallel (gloo, 2 local processes that parity launches and stops) against
one process. Process start-up is slow: three group runs in all (one fails at once), each a few steps."""

import types

import numpy as np
import pytest
import torch
from conftest import CONFIGS

from parity.compare import Tolerance, first_diverged, judge, rel_error, step_pairs
from parity.diagnose import Context, diagnose
from parity.engines.torch_ddp import ReplicaError, ReplicatedTorchEngine
from parity.engines.torch_ddp_worker import load_parts
from parity.weights import match

MLP = str(CONFIGS / "distributed" / "torch_mlp.py")


def _batch(n=32):
    rng = np.random.default_rng(0)
    return rng.random((n, 784)).astype(np.float32), rng.integers(0, 10, n)


def test_torch_mlp_under_ddp_on_two_processes_is_one_process_over_steps():
    x, y = _batch()
    one = load_parts(MLP, "build", {}, None)  # one process: the spec as written, the full batch
    model, optimizer, loss_fn = one["model"], one["optimizer"], one["loss"]
    ddp = ReplicatedTorchEngine((MLP, "build", {}, None, (784,)), "B", "float32", 2)
    try:
        assert [t.key for t in ddp.tensors] == [k for k, _ in model.named_parameters()]
        ddp.set_weights({k: p.detach().numpy() for k, p in model.named_parameters()})
        xt, yt = torch.as_tensor(x), torch.as_tensor(y)
        for _ in range(4):
            ev = ddp.evaluate(x, y)
            optimizer.zero_grad()
            hidden = torch.relu(model[0](xt))
            logits = model[2](hidden)
            loss = loss_fn(logits, yt)
            loss.backward()
            assert rel_error(ev.loss_total, float(loss.detach())) < 1e-6
            for k, p in model.named_parameters():
                assert rel_error(ev.grads_total[k], p.grad.numpy()) < 1e-5, k
            (_, h), (_, probs) = ev.activations  # gathered in sample order: rank 0's 16 samples, then rank 1's
            assert rel_error(h, hidden.detach().numpy()) < 1e-6
            assert rel_error(probs, torch.softmax(logits, -1).detach().numpy()) < 1e-6
            optimizer.step()
            ddp.update()
        weights = ddp.get_weights()
        for k, p in model.named_parameters():
            assert rel_error(weights[k], p.detach().numpy()) < 1e-5, k
            assert rel_error(weights[k], load_parts(MLP, "build", {}, None)["model"].state_dict()[k].numpy()) > 1e-3
    finally:
        ddp.close()
    assert all(p.poll() is not None for p in ddp.group.procs)  # every process stopped


def test_summed_loss_under_ddp_names_replica_reduction():
    x, y = _batch()
    source = (MLP, "build_summed", {}, None, (784,))
    engines = [ReplicatedTorchEngine(source, "A", "float32", 1), ReplicatedTorchEngine(source, "B", "float32", 2)]
    try:
        engines[1].set_weights(engines[0].get_weights())
        evs = [e.evaluate(x, y) for e in engines]
        weights = [e.get_weights() for e in engines]
        matches, mismatch = match(engines[0].tensors, engines[1].tensors)
        assert mismatch is None
        rows = judge(0, step_pairs(matches, *weights, *evs, "terms"), Tolerance(1e-5))
        first = first_diverged(rows)
        assert (first.quantity, first.step) == ("loss", 0)
        sides = tuple(types.SimpleNamespace(path=MLP, dialect="pytorch", description=None) for _ in "AB")
        causes = diagnose(Context(0, first, rows, sides, engines, evs, weights, matches, [x, x], y, "terms"))
    finally:
        for e in engines:
            e.close()
    assert [c.code for c in causes] == ["replica-reduction"]
    assert "2 times" in causes[0].message and "DistributedDataParallel" in causes[0].fix


def test_a_failing_process_is_one_error_and_no_process_is_left(tmp_path):
    spec = tmp_path / "broken.py"
    spec.write_text("def build():\n    raise ValueError('no model here')\n")
    with pytest.raises(ReplicaError) as caught:
        ReplicatedTorchEngine((str(spec), "build", {}, None, (784,)), "B", "float32", 2)
    message = str(caught.value)
    assert "DistributedDataParallel on 2 processes" in message and "ValueError: no model here" in message
    assert len(caught.value.processes) == 2 and all(p.poll() is not None for p in caught.value.processes)
