"""--micro-batch: each full-batch step computed as exact sums over micro-batches gives the verdict and the
first divergence of the full batch; batch statistics are refused naming the layer; the memory estimate
counts activations and names the micro-batch that would fit; comparison reads micro-batches block by block."""

import numpy as np
import pytest
from click.testing import CliRunner

from parity import compare, dialects, resources
from parity.check import Options, run_check
from parity.cli import main
from parity.engines.base import MicroBatched

ZOO = "configs/zoo/keras_nets.py"


def _first(result):
    f = result.first
    return result.status, f and (f.step, f.quantity, f.layer_a, f.layer_b, f.param, f.term)


def _both(spec_a, spec_b, size, **kw):
    whole = run_check(spec_a, spec_b, Options(**kw))
    micro = run_check(spec_a, spec_b, Options(micro_batch=size, **kw))
    return whole, micro


def test_keras_sum_against_mean_loss_same_first_divergence():
    # one side sums its loss over the batch: micro-batches weigh 1 there, size/N on the mean side
    whole, micro = _both(f"{ZOO}:build_plain", f"{ZOO}:build_plain_sum", 16, samples=64, steps=1)
    assert whole.status == "diverged" and _first(micro) == _first(whole)
    assert micro.first.rel_error == pytest.approx(whole.first.rel_error, rel=1e-4)
    assert micro.causes[0].code == whole.causes[0].code == "loss-reduction"


def test_caffe_graph_engine_against_keras_same_verdict():
    whole, micro = _both("configs/caffe_keras/keras_model.py", "configs/caffe_keras/solver.prototxt", 16,
                         samples=64, steps=2)
    assert _first(micro) == _first(whole)
    assert [len(h) for h in micro.history] == [len(h) for h in whole.history]  # activations compared too


def test_adapter_gets_the_whole_batch_and_says_so():
    whole, micro = _both("configs/story1/keras_mlp.py", "configs/story1/numpy_net.py", 32, samples=128, steps=1,
                         weights="zeros")
    assert _first(micro) == _first(whole) and whole.status == "diverged"
    assert any("adapter: it gets the whole batch" in n for n in micro.sides["B"]["notes"])


def test_batch_statistics_are_refused_naming_the_layer():
    out = CliRunner().invoke(main, ["check", f"{ZOO}:build_bn_caffe_eps", "configs/zoo/solver_bn.prototxt",
                                    "--micro-batch", "8", "--steps", "1"])
    assert out.exit_code == 2, out.output
    assert "--micro-batch 8" in out.output and "batch normalisation in training mode" in out.output
    assert "'batch_normalization" in out.output
    out = CliRunner().invoke(main, ["check", f"{ZOO}:build_plain", f"{ZOO}:build_plain", "--micro-batch", "0"])
    assert out.exit_code == 2 and "--micro-batch must be a positive" in out.output


def test_memory_estimate_counts_activations_and_names_the_micro_batch_that_fits():
    side = dialects.load("configs/caffe_keras/net.prototxt")
    per_sample = resources.activation_count(side)
    assert per_sample > 0
    params = resources.estimate_bytes(resources.parameter_count(side)[0])
    one = resources.estimate_bytes(0, per_sample, 1)
    have = params + 100 * one  # room for the activations of 100 samples at a time
    with pytest.raises(resources.ResourceError) as err:
        resources.check_memory((side, side), available=have, samples=1000)
    assert "--micro-batch 100 would make it fit" in str(err.value.hint)
    assert resources.check_memory((side, side), available=have, samples=1000, micro_batch=100) <= have


def test_comparison_block_by_block_equals_the_whole(monkeypatch):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((10, 3, 4)).astype(np.float32)
    b = a + 1e-3 * rng.standard_normal(a.shape).astype(np.float32)
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    expected = np.linalg.norm(a64 - b64) / max(np.linalg.norm(a64), np.linalg.norm(b64))
    monkeypatch.setattr(compare, "BLOCK", 7)  # many blocks, the last one partial
    assert compare.rel_error(a, b) == pytest.approx(expected, rel=1e-12)
    calls = []

    def source(x):
        def forward(lo, hi):
            calls.append((lo, hi))
            return [x[lo:hi], 2 * x[lo:hi]]
        return MicroBatched(["s0", "s1"], forward, len(x), 4)

    stages_a, stages_b = source(a).stages(), source(b).stages()
    pairs = [compare.Pair("activation", i, "s", "s", None, sa, sb)
             for i, ((_, sa), (_, sb)) in enumerate(zip(stages_a, stages_b))]
    rows = compare.judge(0, pairs, compare.Tolerance(1e-5))
    assert [r.rel_error for r in rows] == pytest.approx([expected, expected], rel=1e-12)
    assert len(calls) == 2 * 3  # each side's forward pass once per micro-batch, for both stages together
    assert np.array_equal(np.asarray(stages_a[1][1]), 2 * a)


TORCH = "configs/pytorch_keras"


def test_pytorch_side_in_micro_batches_keeps_parity_and_never_runs_a_whole_batch(monkeypatch):
    from parity import live

    made, seen = live.new_engine, []

    def new_engine(side, label, dtype, device, opts):  # every forward pass of a torch side: its batch size
        engine = made(side, label, dtype, device, opts)
        if side.engine == "torch":
            engine.model.register_forward_pre_hook(lambda module, args: seen[-1].append(len(args[0])))
        return engine

    monkeypatch.setattr(live, "new_engine", new_engine)
    runs = []
    for micro in (None, 8):
        seen.append([])
        runs.append(run_check(f"{TORCH}/keras_mlp.py", f"{TORCH}/torch_mlp.py",
                              Options(samples=32, steps=3, micro_batch=micro)))
    assert [r.status for r in runs] == ["parity", "parity"]
    assert max(seen[0]) == 32 and max(seen[1]) == 8 and seen[1].count(8) >= 4 * 4  # 4 micro-batches a step
    assert not any("whole" in n for n in runs[1].sides["B"]["notes"])


@pytest.mark.parametrize("spec_b, code, samples, size", [("torch_mlp.py:build_sum", "loss-reduction", 32, 8),
                                                          ("torch_mlp.py:build_sum", "loss-reduction", 30, 7),
                                                          ("torch_mlp.py:build_doubled", "custom-step", 32, 8)])
def test_pytorch_side_in_micro_batches_same_first_divergence(spec_b, code, samples, size):
    # a summed loss (measured: a sample twice costs twice) weighs each micro-batch 1; a user's step gets it whole;
    # 30 samples in micro-batches of 7: the last one holds 2
    whole, micro = _both(f"{TORCH}/keras_mlp.py:build_plain", f"{TORCH}/{spec_b}", size, samples=samples, steps=2)
    assert whole.status == "diverged" and _first(micro) == _first(whole)
    assert micro.first.rel_error == pytest.approx(whole.first.rel_error, rel=1e-3)
    assert micro.causes[0].code == whole.causes[0].code == code
    if code == "custom-step":
        assert any("own step(model, optimizer, x, y) gets the whole batch" in n for n in micro.sides["B"]["notes"])


def test_pytorch_batch_statistics_are_refused_naming_the_module():
    out = CliRunner().invoke(main, ["check", f"{TORCH}/torch_cnn.py", f"{TORCH}/torch_cnn.py",
                                    "--micro-batch", "4", "--samples", "16", "--steps", "1"])
    assert out.exit_code == 2, out.output
    assert "torch_cnn.py" in out.output and "--micro-batch 4" in out.output and "'bn'" in out.output
    assert "batch normalisation in training mode" in out.output


def test_a_pytorch_loss_neither_mean_nor_sum_is_refused():
    import torch
    from torch import nn

    from parity.engines.torch_engine import TorchEngine
    from parity.errors import UsageError

    model = nn.Sequential(nn.Linear(4, 3))
    loss = lambda out, y: nn.functional.cross_entropy(out, y) * len(y) ** 0.5  # noqa: E731  (grows as sqrt(N))
    engine = TorchEngine({"model": model, "optimizer": torch.optim.SGD(model.parameters(), lr=0.1), "loss": loss,
                          "input_shape": (4,)}, "B")
    engine.use_micro_batch(2)
    with pytest.raises(UsageError, match="neither the mean nor the sum"):
        engine.evaluate(np.ones((8, 4)), np.arange(8) % 3)


def test_a_data_parallel_side_says_its_replicas_compute_whole():
    from parity import micro_batch
    from parity.dialects.side import Side

    side = Side("x.py", "keras", None, (4,), 3, "keras", None, notes=[])
    micro_batch.prepare((side, side), 8, (1, 2))
    assert any("data-parallel" in n and "2 replicas" in n for n in side.notes)


def test_the_torch_engine_itself_refuses_a_batch_norm_in_training_mode():
    import torch
    from torch import nn

    from parity.engines.torch_engine import TorchEngine
    from parity.errors import UsageError

    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    engine = TorchEngine({"model": model, "optimizer": torch.optim.SGD(model.parameters(), lr=0.1),
                          "loss": nn.CrossEntropyLoss(), "input_shape": (4,)}, "B")
    with pytest.raises(UsageError, match="module '1' \\(BatchNorm1d\\)"):
        engine.use_micro_batch(2)
