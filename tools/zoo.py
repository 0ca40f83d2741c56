"""Run the zoo of planted divergences and equivalent pairs (configs/zoo/zoo.toml) and print a table.

    python tools/zoo.py                 # every pair
    python tools/zoo.py --only NAME...  # some pairs (names or substrings)
    python tools/zoo.py --json out.json # also write each pair's report

For each pair: the expected cause, what parity found (the first cause, or the status when it
names none), the rank of the expected cause in the report's causes (1-based; for "parity", 1
when the status is parity), and the time. Exits 1 when any expected cause is not ranked first,
except for pairs marked `xfail` in the manifest (known gaps in the diagnosis), which are shown
as such: they still count as not ranked first (exit 1) unless --known-gaps-ok is given, and a
pair marked xfail that is ranked first is reported as XPASS (its mark is stale).
"""

import argparse
import json
import logging
import os
import sys
import time
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
logging.getLogger("tensorflow").setLevel(logging.ERROR)  # retracing notices are not findings

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "configs" / "zoo" / "zoo.toml"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@dataclass
class Pair:
    name: str
    a: str
    b: str
    expected: str
    args: list = field(default_factory=list)
    xfail: str | None = None
    note: str = ""


@dataclass
class Outcome:
    pair: Pair
    status: str
    found: str
    rank: int | None  # 1-based rank of the expected cause; None when absent
    seconds: float
    report: dict | None = None
    error: str | None = None

    @property
    def ok(self):
        return self.rank == 1


def load_manifest(path=MANIFEST):
    with open(path, "rb") as f:
        doc = tomllib.load(f)
    pairs = [Pair(**entry) for entry in doc["pair"]]
    names = [p.name for p in pairs]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ValueError(f"{path}: duplicate pair names {sorted(dupes)}")
    from parity.diagnose import causes

    unknown = [f"{p.name}: {p.expected}" for p in pairs if p.expected != "parity" and p.expected not in causes.CAUSES]
    if unknown:
        raise ValueError(f"{path}: expected codes the cause registry does not hold: {', '.join(unknown)}")
    return pairs


def _spec(text):
    """A manifest spec path is relative to the repository root; keep a `:NAME` builder suffix."""
    path, sep, name = text.partition(":")
    return str(ROOT / path) + sep + name


def options(pair):
    """The pair's extra arguments parsed exactly as `parity check` parses them."""
    from parity.check import Options
    from parity.cli import check

    ctx = check.make_context("check", ["A", "B", *map(str, pair.args)])
    known = {f.name for f in fields(Options)}
    return Options(**{k: v for k, v in ctx.params.items() if k in known})


def run_pair(pair):
    """Run one pair in-process; never raises for a parity error (it becomes the outcome)."""
    from parity.check import run_check
    from parity.errors import ParityError
    from parity.report.json_report import to_dict

    start = time.perf_counter()
    cwd = os.getcwd()
    try:
        os.chdir(ROOT)  # Caffe resolves a solver's net: against the folder it was started from
        result = run_check(_spec(pair.a), _spec(pair.b), options(pair))
        report = to_dict(result)
    except ParityError as err:
        return Outcome(pair, "error", f"error (exit {err.exit_code})", None, time.perf_counter() - start,
                       error=str(err))
    finally:
        os.chdir(cwd)
    seconds = time.perf_counter() - start
    codes = [c["code"] for c in report["causes"]]
    found = codes[0] if codes else report["status"]
    if pair.expected == "parity":
        rank = 1 if report["status"] == "parity" else None
    else:
        rank = codes.index(pair.expected) + 1 if pair.expected in codes else None
    return Outcome(pair, report["status"], found, rank, seconds, report)


def describe_miss(outcome):
    """What parity reported instead, for a pair whose expected cause is not first."""
    if outcome.error:
        return outcome.error
    r = outcome.report
    first = r["first_divergence"]
    where = "none"
    if first:
        where = (f"step {first['step']} {first['quantity']} {first['layer_a']}/{first['layer_b']}"
                 f"{'.' + first['param'] if first['param'] else ''} rel_error {first['rel_error']}")
    causes = "; ".join(f"{c['code']}: {c['message']}" for c in r["causes"]) or "no cause"
    return f"status {r['status']}, first divergence {where}; causes: {causes}"


def table(outcomes, out=sys.stdout):
    rows = [("pair", "expected", "found", "rank", "time", "")]
    for o in outcomes:
        mark = ("ok" if o.ok else "FAIL") if not o.pair.xfail else ("XPASS" if o.ok else "xfail")
        rows.append((o.pair.name, o.pair.expected, o.found, str(o.rank) if o.rank else "-", f"{o.seconds:.1f}s",
                     mark))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, r in enumerate(rows):
        print("  ".join(c.ljust(w) if j not in (3, 4) else c.rjust(w) for j, (c, w) in enumerate(zip(r, widths)))
              .rstrip(), file=out)
        if i == 0:
            print("  ".join("-" * w for w in widths), file=out)


def _replicas(pair):
    """The most replicas a pair's --a-replicas/--b-replicas ask for."""
    args = [str(a) for a in pair.args]
    return max([int(args[i + 1]) for i, a in enumerate(args[:-1]) if a in ("--a-replicas", "--b-replicas")] or [1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", default=str(MANIFEST))
    parser.add_argument("--only", nargs="*", help="run only the pairs whose name contains one of these")
    parser.add_argument("--json", help="write every pair's outcome and report to this file")
    parser.add_argument("-v", "--verbose", action="store_true", help="print what parity reported for misses")
    parser.add_argument("--known-gaps-ok", action="store_true",
                        help="exit 0 when the only misses are pairs the manifest marks xfail")
    args = parser.parse_args(argv)
    pairs_replicas = max([_replicas(p) for p in load_manifest(Path(args.manifest))] or [1])
    from parity.engines.factory import reserve_replicas

    reserve_replicas(pairs_replicas)  # one process runs every pair: TensorFlow's devices are fixed at its start
    pairs = load_manifest(args.manifest)
    if args.only:
        pairs = [p for p in pairs if any(s in p.name for s in args.only)]
    outcomes = []
    total = time.perf_counter()
    from parity import lazy

    lazy.tensorflow()  # TensorFlow and Keras once, here, so that the first pair's time is its own
    import keras  # noqa: F401
    warmup = time.perf_counter() - total
    for pair in pairs:
        print(f"  {pair.name} ...", file=sys.stderr, flush=True)
        outcomes.append(run_pair(pair))
    total = time.perf_counter() - total
    table(outcomes)
    planted = [o for o in outcomes if o.pair.expected != "parity"]
    equivalent = [o for o in outcomes if o.pair.expected == "parity"]
    print(f"\n{len(outcomes)} pairs ({len(planted)} planted, {len(equivalent)} equivalent) in {total:.1f}s; "
          f"{sum(o.ok for o in outcomes)} ranked first, {sum(bool(o.pair.xfail) and not o.ok for o in outcomes)} "
          f"known gaps (xfail); importing TensorFlow and Keras took {warmup:.1f}s of it")
    misses = [o for o in outcomes if not o.ok]
    if misses:
        print("\nnot ranked first:")
        for o in misses:
            print(f"- {o.pair.name} (expected {o.pair.expected}): {describe_miss(o)}")
            if o.pair.xfail and args.verbose:
                print(f"  known gap: {o.pair.xfail}")
    stale = [o.pair.name for o in outcomes if o.ok and o.pair.xfail]
    if stale:
        print(f"\nXPASS (ranked first although marked xfail; remove the mark): {', '.join(stale)}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump([{"name": o.pair.name, "expected": o.pair.expected, "found": o.found, "rank": o.rank,
                        "seconds": o.seconds, "xfail": o.pair.xfail, "error": o.error, "report": o.report}
                       for o in outcomes], f, indent=1)
    if args.known_gaps_ok:
        return 1 if stale or any(not o.ok and not o.pair.xfail for o in outcomes) else 0
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
