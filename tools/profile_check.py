"""Where the time and the memory of one `parity check` go, phase by phase.

Runs `parity.check.run_check` once (optionally writing a trace) with timers around the step loop's
phases, by wrapping the functions that do them (nothing in parity changes):

  engine build     making each side's engine (models, optimizers, compiled functions)
  evaluate         each engine's forward pass, loss and gradients at the current weights, to numpy
  update           each engine's optimizer update
  get weights      reading each side's weights back
  pairs            step_pairs: converting every compared tensor to float64 in canonical layout
  judge            rel_error per tensor, tolerances
  noise            noise_of: comparing the float32 pass with the float64 twins (the noise rerun)
  diagnose         the causes of a first divergence
  trace            the trace writer's per-step callback (--trace only)
  report           rendering the console report

Time is wall time (perf_counter) summed over calls. Memory per phase is the resident set's high-water
mark during the phase's calls above the resident set when the phase began (Linux: /proc/self/status
VmHWM, reset before each call by writing 5 to /proc/self/clear_refs), the largest over its calls: it
counts what TensorFlow allocates in C++ as well, which tracemalloc does not see. The whole check's peak
RSS is also printed (read before any reset).

Run: PYTHONPATH=. .venv/bin/python tools/profile_check.py SPEC_A SPEC_B [--samples N] [--steps N]
     [--trace PATH] [--micro-batch M]
e.g. tools/profile_check.py bench/residual_cnn.py bench/residual_cnn.py --samples 1024 --steps 20
"""

import argparse
import io
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

SECONDS = defaultdict(float)
CALLS = defaultdict(int)
TOP = [0.0]  # seconds spent in phases not nested in another: the rest is "other"
PEAK = defaultdict(int)  # bytes above the RSS at the phase's start, largest over calls
HWM = [0]  # the highest VmHWM seen before any reset: the whole run's peak
ACTIVE = []  # phases running now: a nested phase's time also counts in its parent's


def _status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _reset_hwm():
    HWM[0] = max(HWM[0], _status("VmHWM"))
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def timed(phase, fn):
    def wrapper(*args, **kwargs):
        nested = bool(ACTIVE)
        if not nested:
            _reset_hwm()
        before = _status("VmRSS")
        start = time.perf_counter()
        ACTIVE.append(phase)
        try:
            return fn(*args, **kwargs)
        finally:
            ACTIVE.pop()
            SECONDS[phase] += time.perf_counter() - start
            CALLS[phase] += 1
            if not nested:
                TOP[0] += time.perf_counter() - start
                PEAK[phase] = max(PEAK[phase], _status("VmHWM") - before)
    return wrapper


def instrument():
    from parity import live, steploop
    from parity.report import console

    make_engine = live.make_engine

    def build(*args, **kwargs):
        engine = make_engine(*args, **kwargs)
        for name, phase in (("evaluate", "evaluate"), ("update", "update"), ("get_weights", "get weights")):
            setattr(engine, name, timed(phase, getattr(engine, name)))
        return engine

    live.make_engine = timed("engine build", build)
    for name, phase in (("step_pairs", "pairs"), ("judge", "judge"), ("diagnose", "diagnose")):
        setattr(steploop, name, timed(phase, getattr(steploop, name)))
    live.noise_of = timed("noise", live.noise_of)
    console.render_check = timed("report", console.render_check)
    return console


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec_a")
    parser.add_argument("spec_b")
    parser.add_argument("--samples", type=int, default=None)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--trace", default=None)
    parser.add_argument("--micro-batch", type=int, default=None)
    args = parser.parse_args()
    from parity import lazy

    lazy.tensorflow()
    from rich.console import Console

    from parity.check import Options, run_check

    console = instrument()
    opts = Options(steps=args.steps, samples=args.samples)
    if args.micro_batch:
        opts.micro_batch = args.micro_batch
    tracer = None
    if args.trace:
        from parity.trace.record import CheckTrace

        tracer = _timed_trace(CheckTrace)(args.trace, opts)  # call syntax looks __call__ up on the class
    rss0 = _status("VmRSS")
    start = time.perf_counter()
    result = run_check(args.spec_a, args.spec_b, opts, on_step=tracer)
    if tracer is not None:
        tracer.finish(result)
    console.render_check(Console(file=io.StringIO(), width=100, color_system=None), result, opts)
    total = time.perf_counter() - start
    HWM[0] = max(HWM[0], _status("VmHWM"))
    print(f"{args.spec_a} against {args.spec_b}: {result.status}, {result.steps_run} steps, "
          f"{opts.samples or 'all'} samples; wall {total:.2f} s; peak RSS {HWM[0] / 2**20:.0f} MiB "
          f"(after imports {rss0 / 2**20:.0f} MiB)")
    print(f"{'phase':14s} {'calls':>6s} {'seconds':>9s} {'share':>6s} {'peak above start MiB':>21s}")
    for phase in ("engine build", "evaluate", "update", "get weights", "pairs", "judge", "noise", "diagnose",
                  "trace", "report"):
        if CALLS[phase]:
            print(f"{phase:14s} {CALLS[phase]:6d} {SECONDS[phase]:9.2f} {SECONDS[phase] / total:6.1%} "
                  f"{PEAK[phase] / 2**20:21.0f}")
    other = total - TOP[0]
    print(f"{'other':14s} {'':6s} {other:9.2f} {other / total:6.1%}   (loading specs, samples, weights sync)")


def _timed_trace(cls):
    class Timed(cls):
        __call__ = timed("trace", cls.__call__)
    return Timed


if __name__ == "__main__":
    main()
