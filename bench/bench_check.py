"""Benchmark: the cost of `parity check` against training both sides alone in one process.

Two pairs: the bundled MLP pair (configs/story1 keras_mlp.py:build_half against numpy_net.py) and a
residual CNN with BatchNormalization (bench/residual_cnn.py) checked against itself. For each, "alone"
trains both sides with their own compiled steps in one process (model.fit full batch, shuffle off,
epochs = steps; the NumPy net's own step), and "check" runs `parity check` of the pair through the
library call `parity.check.run_check` and renders its console report (what the CLI does, without
click's process exit, so that the same child process can report its own time and memory).

Every measurement runs in a fresh subprocess, so that each has its own peak resident set size
(resource.getrusage ru_maxrss) and none inherits another's high-water mark. Wall time is measured in the
child from after TensorFlow and Keras are imported (both measurements import them alike) to the end of
the work, model building included. Alone and check run back to back, --repeat times, and the medians
and their ratios are printed. On a loaded machine the ratios are noisy: read the medians.

Run: make bench   (or .venv/bin/python bench/bench_check.py [--pair cnn|mlp|both] [--steps N]
     [--samples N] [--repeat R] [--micro-batch M])
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
PAIRS = {  # pair -> (spec A, spec B, default steps, default samples)
    "mlp": (f"{STORY1}/keras_mlp.py:build_half", f"{STORY1}/numpy_net.py", 100, None),
    "cnn": (str(CNN), str(CNN), 20, 1024),
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
    import residual_cnn

    x, y = _samples(count, (28, 28, 1))
    for _ in range(2):  # side A, side B
        residual_cnn.build().fit(x, y, batch_size=len(x), epochs=steps, shuffle=False, verbose=0)


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
    assert result.status == "parity", result.first


def child(args):
    """One measurement in this fresh process: print {"wall": s, "rss": bytes} as JSON."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.path.insert(0, str(ROOT))
    from parity import lazy

    lazy.tensorflow()
    import keras  # noqa: F401

    start = time.perf_counter()
    if args.child == "alone":
        alone(args.pair, args.steps, args.samples)
    else:
        check(args.pair, args.steps, args.samples, args.micro_batch)
    wall = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    print(json.dumps({"wall": wall, "rss": rss}))


def measure(kind, pair, steps, samples, micro_batch=None):
    cmd = [sys.executable, __file__, "--child", kind, "--pair", pair, "--steps", str(steps)]
    if samples:
        cmd += ["--samples", str(samples)]
    if micro_batch:
        cmd += ["--micro-batch", str(micro_batch)]
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench(pair, steps, samples, repeat, micro_batch=None):
    runs = {"alone": [], "check": []}
    for _ in range(repeat):  # back to back: the machine's load changes less between the two
        runs["alone"].append(measure("alone", pair, steps, samples))
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
    ratios = [(c["wall"] / a["wall"], c["rss"] / a["rss"]) for a, c in zip(runs["alone"], runs["check"])]
    print("  ratios per run (wall, memory): " + ", ".join(f"({w:.2f}x, {m:.2f}x)" for w, m in ratios))
    print(f"  median ratio: wall {statistics.median(w for w, _ in ratios):.2f}x, "
          f"peak memory {statistics.median(m for _, m in ratios):.2f}x", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pair", choices=("mlp", "cnn", "both"), default="both")
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--samples", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--micro-batch", type=int, default=None)
    parser.add_argument("--child", choices=("alone", "check"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    for pair in (("cnn", "mlp") if args.pair == "both" else (args.pair,)):
        steps = args.steps or PAIRS[pair][2]
        samples = args.samples or PAIRS[pair][3]
        bench(pair, steps, samples, args.repeat, args.micro_batch)


if __name__ == "__main__":
    main()
