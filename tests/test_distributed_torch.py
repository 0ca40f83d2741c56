"""PyTorch under DistributedDataParallel (gloo, 2 local processes that parity launches and stops) against
one process. Process start-up is slow: three group runs in all (one fails at once), each a few steps."""


import numpy as np
import pytest
import torch
from conftest import CONFIGS

from parity.compare import rel_error
from parity.engines.torch_ddp import ReplicaError, ReplicatedTorchEngine
from parity.engines.torch_ddp_worker import load_parts

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


def test_summed_loss_under_ddp_names_replica_reduction(check_json):
    # side B sums its loss on each of 2 processes and DDP averages them: its gradients are 16 (= 32 samples / 2
    # processes) times side A's mean-loss gradients, in one process
    code, report = check_json(MLP, f"{MLP}:build_summed", "--b-replicas", "2", "--samples", "32", "--steps", "1")
    assert code == 1
    assert (report["first_divergence"]["step"], report["first_divergence"]["quantity"]) == (0, "loss")
    assert [c["code"] for c in report["causes"]] == ["replica-reduction"]
    cause = report["causes"][0]
    assert "exactly 16 times" in cause["message"] and "DistributedDataParallel" in cause["fix"]
    assert "gradient A/B = 0.0625" in cause["evidence"]


def test_a_failing_process_is_one_error_and_no_process_is_left(tmp_path):
    spec = tmp_path / "broken.py"
    spec.write_text("def build():\n    raise ValueError('no model here')\n")
    with pytest.raises(ReplicaError) as caught:
        ReplicatedTorchEngine((str(spec), "build", {}, None, (784,)), "B", "float32", 2)
    message = str(caught.value)
    assert "DistributedDataParallel on 2 processes" in message and "ValueError: no model here" in message
    assert len(caught.value.processes) == 2 and all(p.poll() is not None for p in caught.value.processes)
