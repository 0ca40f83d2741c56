"""Benchmark: `parity check` on the bundled MLP pair for 100 steps, against the two sides
trained alone for 100 steps in the same process (model.fit full batch + the NumPy net's own step).

Prints both wall times and their ratio; the target is under 1.5x. Not part of the tests.
Run: make bench   (or .venv/bin/python bench/bench_check.py [--steps N] [--repeat R])
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
STORY1 = ROOT / "configs" / "story1"
sys.path.insert(0, str(STORY1))

from parity import data  # noqa: E402
from parity.engines.tf_import import quiet_import  # noqa: E402
from parity.runner import Options, run_check  # noqa: E402

quiet_import()
import keras_mlp  # noqa: E402
import numpy_net  # noqa: E402


def alone(steps):
    samples = data.load(None, [(784,)], 10)
    x = samples.x.reshape(len(samples.y), -1).astype(np.float32) / 255.0
    model = keras_mlp.build_half()
    model.fit(x, np.eye(10, dtype=np.float32)[samples.y], batch_size=len(x), epochs=steps, shuffle=False, verbose=0)
    net = numpy_net.build()
    for _ in range(steps):
        net.step(x, samples.y, keras_mlp.LR)


def check(steps):
    result = run_check(f"{STORY1}/keras_mlp.py:build_half", f"{STORY1}/numpy_net.py", Options(steps=steps))
    assert result.status == "parity", result.first


def timed(fn, steps, repeat):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn(steps)
        best = min(best, time.perf_counter() - start)
    return best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    t_alone = timed(alone, args.steps, args.repeat)
    t_check = timed(check, args.steps, args.repeat)
    print(f"both sides trained alone, {args.steps} steps: {t_alone:.2f} s (best of {args.repeat})")
    print(f"parity check, {args.steps} steps:               {t_check:.2f} s (best of {args.repeat})")
    print(f"ratio: {t_check / t_alone:.2f}x (target < 1.5x)")


if __name__ == "__main__":
    main()
