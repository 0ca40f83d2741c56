"""A PyTorch spec's `parity record` and the PyTorch hook recorder (recorders/torch_hooks.py) write one format:
the same model and loop recorded both ways describes the same tensors and diffs as parity."""

import importlib.util

import numpy as np
import torch
from conftest import CONFIGS

from parity import data
from parity.trace import open_trace

SPEC = CONFIGS / "pytorch_keras" / "torch_mlp.py"


def _spec_module():
    spec = importlib.util.spec_from_file_location("torch_mlp_for_recording", SPEC)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_torch_spec_recorded_by_parity_and_by_the_hooks_is_one_format_and_parity(cli, tmp_path):
    from parity.recorders.torch_hooks import TorchRecorder, seeded_start

    samples = data.select(data.load(None, [(784,)], 10), 32)
    x = torch.tensor((samples.x.reshape(32, -1) / 255.0).astype(np.float32))
    y = torch.tensor(samples.y.astype(np.int64))
    model, opt, loss_fn = _spec_module().build_plain()  # the user's own loop over the spec's parts
    seeded_start(model, seed=0)
    rec = TorchRecorder(tmp_path / "hooks.h5", model, opt, loss_fn, x, y, spec="torch MLP",
                        fingerprint=samples.fingerprint)
    for _ in range(3):
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    rec.close()
    recorded = tmp_path / "parity.h5"
    code, out, err = cli("record", f"{SPEC}:build_plain", "--out", recorded, "--samples", "32", "--steps", "3")
    assert code == 0, out + err
    with open_trace(recorded) as a, open_trace(tmp_path / "hooks.h5") as b:
        sa, sb = a.side("A"), b.side("A")
        assert [(t.layer, t.key, t.role, t.layout) for t in sa.tensors] == \
               [(t.layer, t.key, t.role, t.layout) for t in sb.tensors]
        assert (sa.steps, sa.separates_terms, sa.attrs.get("dialect")) == (sb.steps, sb.separates_terms, "pytorch")
    code, out, err = cli("diff", recorded, tmp_path / "hooks.h5")
    assert code == 0 and "PARITY over 3 steps" in out, out + err
