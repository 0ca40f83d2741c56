"""Benchmark: the memory of `parity check --trace` over a long run does not grow with the step count.

Runs the bundled MLP pair (configs/story1/keras_mlp.py:build_half against numpy_net.py) for
--steps steps with a trace, sampling the process's resident set size (VmRSS in /proc/self/status)
as the steps go, then once more without a trace for comparison; then `parity diff` on the trace,
which must give the check's verdict. Prints RSS at each sampled step, the growth from the first
sample after warm-up to the last, the trace's size and both wall times. Not part of the tests.

Run: .venv/bin/python bench/bench_trace.py [--steps 1000] [--samples N] [--out /tmp/bench_trace.h5]
"""

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from parity.check import Options, run_check  # noqa: E402
from parity.trace.diff import diff_traces  # noqa: E402
from parity.trace.record import CheckTrace  # noqa: E402

STORY1 = ROOT / "configs" / "story1"
SPEC_A, SPEC_B = f"{STORY1}/keras_mlp.py:build_half", f"{STORY1}/numpy_net.py"


def rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class Sampler:
    def __init__(self, inner, steps):
        self.inner, self.samples = inner, []
        self.at = {s for s in (1, 10, 50, 100, 200, 300, 400, 500, 600, 700, 800, 900, steps) if s <= steps}

    def begin(self, *args):
        if self.inner is not None:
            self.inner.begin(*args)

    def __call__(self, pass_index, step, *args):
        if self.inner is not None:
            self.inner(pass_index, step, *args)
        if step in self.at:
            self.samples.append((pass_index, step, rss_mib()))


def run(steps, samples, out):
    opts = Options(steps=steps, samples=samples)
    tracer = CheckTrace(out, opts) if out else None
    sampler = Sampler(tracer, steps)
    start = time.perf_counter()
    result = run_check(SPEC_A, SPEC_B, opts, on_step=sampler)
    if tracer is not None:
        tracer.finish(result)
    return result, sampler.samples, time.perf_counter() - start


def report(title, samples):
    print(title)
    for pass_index, step, rss in samples:
        print(f"  pass {pass_index} step {step:5d}: RSS {rss:8.1f} MiB")
    last_pass = [s for s in samples if s[0] == samples[-1][0]]
    base = next((s for s in last_pass if s[1] >= 100), last_pass[0])
    growth = last_pass[-1][2] - base[2]
    print(f"  growth from step {base[1]} to step {last_pass[-1][1]}: {growth:+.1f} MiB")
    return growth


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=None)
    parser.add_argument("--out", default="/tmp/bench_trace.h5")
    args = parser.parse_args()
    result, samples, seconds = run(args.steps, args.samples, args.out)
    traced = report(f"check --trace, {args.steps} steps: {result.status}, {seconds:.1f} s, trace "
                    f"{Path(args.out).stat().st_size / 2**20:.1f} MiB", samples)
    plain_result, plain_samples, plain_seconds = run(args.steps, args.samples, None)
    plain = report(f"check without a trace, {args.steps} steps: {plain_result.status}, {plain_seconds:.1f} s",
                   plain_samples)
    start = time.perf_counter()
    diffed, _ = diff_traces(args.out, args.out)
    print(f"parity diff of the trace: {diffed.status} over {diffed.steps_run} steps "
          f"({time.perf_counter() - start:.1f} s); the check said {result.status}")
    print(f"peak RSS of the process (ru_maxrss): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MiB")
    print(f"RSS growth over the run: {traced:+.1f} MiB with the trace, {plain:+.1f} MiB without")
    return 0 if diffed.status == result.status else 1


if __name__ == "__main__":
    sys.exit(main())
