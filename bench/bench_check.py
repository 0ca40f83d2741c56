"""Benchmark: the cost of `parity check` against training both sides alone in one process.

Three pairs: the bundled MLP pair (configs/story1 keras_mlp.py:build_half against numpy_net.py) and a
residual CNN with BatchNormalization checked against itself, in Keras (bench/residual_cnn.py) and in
PyTorch (bench/residual_cnn_torch.py). For each, "alone" trains both sides with their own steps in one
process (model.fit full batch, shuffle off, epochs = steps; the NumPy net's own step; a torch loop of
zero_grad, forward, backward, step), and "check" runs `parity check` of the pair through the
library call `parity.check.run_check` and renders its console report (what the CLI does, without
click's process exit, so that the same child process can report its own time and memory).

Every measurement runs in a fresh subprocess, so that each has its own peak resident set size
(resource.getrusage ru_maxrss) and none inherits another's high-water mark. Wall time is measured in the
child from after TensorFlow and Keras (torch alone for the PyTorch pair, whose check never imports
TensorFlow) are imported (both measurements import them alike) to the end of
the work, model building included. Alone and check run back to back, --repeat times, and the medians
and their ratios are printed. On a loaded machine the ratios are noisy: read the medians.

Measured 2026-11-30 on 2 CPU cores, alone on the machine (load average under 2.2), three rounds each
(`make bench`; before: `--baseline` a checkout of main at 001c4f0, one round):
  cnn (Keras, model.fit), 20 steps, 1,024 samples: wall 0.98x (per run 0.98, 0.96, 1.02), peak memory
      1.31x (1.31, 1.32, 1.30); before: 1.27x and 1.29x in one round on the same quiet machine
  torch (the same CNN in PyTorch, a torch loop): wall 1.14x (1.16, 1.14, 1.03), peak memory 1.49x
      (1.58, 1.49, 1.48), measured before the np.asarray change (which touches Keras and TensorFlow
      engines only); before: 2.36x and 2.11x
  mlp (Keras against the NumPy net), 100 steps: wall 0.88x (0.96, 0.84, 0.88), memory 0.88x
and `--micro --steps 2 --repeat 3`: --micro-batch 256 on 2,048 samples peaks at 1.11x, 1.16x, 1.14x of a
check on 256 samples (2,186 MiB on 2,048 samples without it), verdict parity both ways; the diverging pair
(build_plain against build_plain_decay) gives step 1, weight, conv2d kernel, `weight-decay` with and
without it (1,355 MiB against 4,437 MiB with its float64 noise rerun).

Run: make bench   (or .venv/bin/python bench/bench_check.py [--pair cnn|mlp|torch|all] [--steps N]
     [--samples N] [--repeat R] [--micro-batch M] [--baseline DIR]);  --micro: the --micro-batch memory benchmark
     (residual CNN without BatchNormalization, 2,048 samples in micro-batches of 256 against 256 samples)
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STORY1 = ROOT / "configs" / "story1"
CNN = ROOT / "bench" / "residual_cnn.py"
TORCH_CNN = ROOT / "bench" / "residual_cnn_torch.py"
PAIRS = {  # pair -> (spec A, spec B, default steps, default samples)
    "mlp": (f"{STORY1}/keras_mlp.py:build_half", f"{STORY1}/numpy_net.py", 100, None),
    "cnn": (str(CNN), str(CNN), 20, 1024),
    "torch": (str(TORCH_CNN), str(TORCH_CNN), 20, 1024),  # the same residual CNN in PyTorch
    "cnn-plain": (f"{CNN}:build_plain", f"{CNN}:build_plain", 20, 1024),  # no BatchNormalization
    "cnn-decay": (f"{CNN}:build_plain", f"{CNN}:build_plain_decay", 20, 1024),  # diverges at the first update
}


def _samples(count, shape):
    import numpy as np

    from parity import data

    samples = data.select(data.load(None, [shape], 10), count)
    return samples.x.reshape((len(samples.y), *shape)).astype(np.float32) / 255.0, samples.y


def alone(pair, steps, count):
    """Both sides trained alone with their own compiled steps, in this one process."""
    if pair == "mlp":
        sys.path.insert(0, str(STORY1))
        import keras_mlp
        import numpy as np
        import numpy_net

        x, y = _samples(count, (784,))
        model = keras_mlp.build_half()
        model.fit(x, np.eye(10, dtype=np.float32)[y], batch_size=len(x), epochs=steps, shuffle=False, verbose=0)
        net = numpy_net.build()
        for _ in range(steps):
            net.step(x, y, keras_mlp.LR)
        return
    sys.path.insert(0, str(CNN.parent))
    if pair == "torch":
        return alone_torch(steps, count)
    import residual_cnn

    x, y = _samples(count, (28, 28, 1))
    build = residual_cnn.build_plain if pair == "cnn-plain" else residual_cnn.build
    for _ in range(2):  # side A, side B
        build().fit(x, y, batch_size=len(x), epochs=steps, shuffle=False, verbose=0)


def alone_torch(steps, count):
    """Both sides as a torch training loop: zero_grad, forward, loss, backward, step, full batch."""
    import residual_cnn_torch
    import torch

    x, y = _samples(count, (28, 28, 1))
    x, y = torch.as_tensor(x.transpose(0, 3, 1, 2).copy()), torch.as_tensor(y.astype("int64"))
    for _ in range(2):  # side A, side B
        parts = residual_cnn_torch.build()
        model, optimizer, loss = parts["model"], parts["optimizer"], parts["loss"]
        for _ in range(steps):
            optimizer.zero_grad()
            loss(model(x), y).backward()
            optimizer.step()


def check(pair, steps, count, micro_batch=None):
    import io

    from rich.console import Console

    from parity.check import Options, run_check
    from parity.report.console import render_check

    spec_a, spec_b = PAIRS[pair][:2]
    opts = Options(steps=steps, samples=count)
    if micro_batch:
        opts.micro_batch = micro_batch
    result = run_check(spec_a, spec_b, opts)
    render_check(Console(file=io.StringIO(), width=100, color_system=None), result, opts)
    assert result.status == ("diverged" if pair == "cnn-decay" else "parity"), result.first
    first = result.first
    return [result.status, first and [first.step, first.quantity, first.layer_a, first.param, f"{first.rel_error:.4g}"],
            [c.code for c in result.causes]]


def child(args):
    """One measurement in this fresh process: print {"wall": s, "rss": bytes} as JSON."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.path.insert(0, os.environ.get("PARITY_ROOT", str(ROOT)))  # the parity under test (--baseline: another)
    from parity import lazy

    if args.pair == "torch":
        lazy.torch("the benchmark")  # a PyTorch pair: parity imports no TensorFlow for it, nor does alone
    else:
        lazy.tensorflow()
        import keras  # noqa: F401

    start = time.perf_counter()
    verdict = None
    if args.child == "alone":
        alone(args.pair, args.steps, args.samples)
    else:
        verdict = check(args.pair, args.steps, args.samples, args.micro_batch)
    wall = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    print(json.dumps({"wall": wall, "rss": rss, "verdict": verdict}))


def measure(kind, pair, steps, samples, micro_batch=None, root=ROOT):
    cmd = [sys.executable, __file__, "--child", kind, "--pair", pair, "--steps", str(steps)]
    if samples:
        cmd += ["--samples", str(samples)]
    if micro_batch:
        cmd += ["--micro-batch", str(micro_batch)]
    env = {**os.environ, "PYTHONPATH": str(root), "PARITY_ROOT": str(root)}
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench(pair, steps, samples, repeat, micro_batch=None, baseline=None):
    runs = {"alone": [], "check": []}
    if baseline:
        runs["before"] = []
    for _ in range(repeat):  # back to back: the machine's load changes less between them
        runs["alone"].append(measure("alone", pair, steps, samples))
        if baseline:
            runs["before"].append(measure("check", pair, steps, samples, micro_batch, root=baseline))
        runs["check"].append(measure("check", pair, steps, samples, micro_batch))
    med = {k: {q: statistics.median(r[q] for r in v) for q in ("wall", "rss")} for k, v in runs.items()}
    label = f"{pair}, {steps} steps, {samples or 'all'} samples"
    label += f", --micro-batch {micro_batch}" if micro_batch else ""
    print(f"{label}:")
    for k, v in runs.items():
        walls = ", ".join(f"{r['wall']:.1f}" for r in v)
        rsss = ", ".join(f"{r['rss'] / 2**20:.0f}" for r in v)
        print(f"  {k:5s} wall s [{walls}] median {med[k]['wall']:.2f}; peak RSS MiB [{rsss}] "
              f"median {med[k]['rss'] / 2**20:.0f}")
    for kind in ("before", "check") if baseline else ("check",):
        ratios = [(c["wall"] / a["wall"], c["rss"] / a["rss"]) for a, c in zip(runs["alone"], runs[kind])]
        name = f"{kind} ({baseline})" if kind == "before" else kind
        print(f"  {name} / alone per run (wall, memory): " + ", ".join(f"({w:.2f}x, {m:.2f}x)" for w, m in ratios))
        print(f"  median ratio: wall {statistics.median(w for w, _ in ratios):.2f}x, "
              f"peak memory {statistics.median(m for _, m in ratios):.2f}x", flush=True)


def bench_micro(steps, repeat, samples=2048, micro=256):
    """--micro-batch: the peak memory of a check on `samples` in micro-batches of `micro` against a check on
    `micro` samples alone, and that both runs on `samples` give the same verdict and first divergence: the
    plain residual CNN against itself (parity) and against itself with weight decay (diverged)."""
    rows = []
    for _ in range(repeat):
        big = measure("check", "cnn-plain", steps, samples, micro)
        small = measure("check", "cnn-plain", steps, micro)
        rows.append((big, small))
    whole = measure("check", "cnn-plain", steps, samples)
    print(f"cnn-plain, {steps} steps: --micro-batch {micro} on {samples} samples against {micro} samples alone:")
    for big, small in rows:
        print(f"  peak RSS {big['rss'] / 2**20:.0f} MiB against {small['rss'] / 2**20:.0f} MiB: "
              f"{big['rss'] / small['rss']:.2f}x; wall {big['wall']:.1f} s against {small['wall']:.1f} s")
    print(f"  median memory ratio {statistics.median(b['rss'] / s['rss'] for b, s in rows):.2f}x (target <= 1.5x); "
          f"without --micro-batch on {samples} samples: peak RSS {whole['rss'] / 2**20:.0f} MiB; "
          f"verdicts {'equal' if whole['verdict'] == rows[0][0]['verdict'] else 'DIFFER'}: {whole['verdict']}")
    diverged = [measure("check", "cnn-decay", steps, samples, m) for m in (micro, None)]
    def key(verdict):  # status, (step, quantity, layer, tensor), causes: rel_error is printed, not compared
        return verdict[0], verdict[1] and verdict[1][:4], verdict[2]

    same = key(diverged[0]["verdict"]) == key(diverged[1]["verdict"])
    print(f"cnn-decay (build_plain against build_plain_decay), {samples} samples: with --micro-batch {micro} "
          f"{diverged[0]['verdict']} (peak RSS {diverged[0]['rss'] / 2**20:.0f} MiB); without {diverged[1]['verdict']} "
          f"(peak RSS {diverged[1]['rss'] / 2**20:.0f} MiB): first divergence {'equal' if same else 'DIFFERS'}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pair", choices=(*PAIRS, "all"), default="all")
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--samples", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--micro-batch", type=int, default=None)
    parser.add_argument("--baseline", default=None, help="another parity checkout to time too (before/after)")
    parser.add_argument("--micro", action="store_true", help="the --micro-batch memory benchmark instead")
    parser.add_argument("--child", choices=("alone", "check"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    if args.micro:
        return bench_micro(args.steps or 5, args.repeat)
    for pair in (("cnn", "mlp", "torch") if args.pair == "all" else (args.pair,)):
        steps = args.steps or PAIRS[pair][2]
        samples = args.samples or PAIRS[pair][3]
        bench(pair, steps, samples, args.repeat, args.micro_batch, args.baseline)


if __name__ == "__main__":
    main()
