"""A fuzzing campaign for parity's hand-written readers (`make fuzz`).

    python tools/fuzz.py [--count 100000] [--jobs N] [--seed S] [--limit 1.0] [--crashes DIR]

Feeds generated inputs to

* the prototxt reader: `prototxt.parse` then `schema.validate` (as NetParameter or
  SolverParameter, the way the Caffe loader decides), and
* the `.m` reader: `mlang.parse` then `meval.run_module` (the init function evaluated),
* the checkpoint readers of `--weights FILE` (parity/checkpoints/): `.caffemodel` (the protobuf
  wire decoder) and `.mat` (the MAT v5/v7 decoder),

a quarter each. Text inputs are random token soup, random characters, and valid files (the Caffe
reference nets and solvers, the MatConvNet init files of tests/ and configs/) mutated one to
six times: spans deleted, duplicated, replaced by syntax snippets, lines swapped, the file
cut short, a construct repeated deep. Binary inputs are seed files (tests/checkpoint_writers.py)
with bytes flipped, cut, inserted or deleted, or random bytes. A text reader may return a value
or raise SpecError, a checkpoint reader CheckpointError; anything else is a crash, and an input
that runs past --limit seconds is a hang (stopped by SIGALRM). Crashing and hanging inputs are
written to --crashes. Prints the count, crashes, hangs, the slowest input and the total time;
exits 1 when there was any crash or hang.
"""

import argparse
import multiprocessing
import os
import random
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

READERS = ("prototxt", "m", "caffemodel", "mat")
BINARY = ("caffemodel", "mat")

PROTO_TOKENS = ["layer", "layers", "name", "type", "top", "bottom", "param", "lr_mult", "decay_mult",
                "convolution_param", "inner_product_param", "pooling_param", "num_output", "kernel_size",
                "stride", "pad", "pool", "MAX", "AVE", "weight_filler", "bias_filler", "xavier", "constant",
                "value", "std", "input_param", "shape", "dim", "base_lr", "lr_policy", "momentum",
                "weight_decay", "net", "net_param", "solver_type", "gamma", "stepvalue", "include", "phase",
                "TRAIN", "TEST", "\"InnerProduct\"", "\"Convolution\"", "\"SoftmaxWithLoss\"", "\"data\"",
                "{", "}", "[", "]", ":", ";", ",", "<", ">", "#", "\"", "'", "\\", "-", "1", "0", "3.5",
                "1e400", "-inf", "nan", "0x1F", "true", "false", "\n", " ", "\t", "\x00", "é", "\ufeff"]
M_TOKENS = ["function net = f(varargin)\n", "function out = g(x)\n", "end", "if ", "else", "elseif ",
            "for i = 1:3\n", "switch x\ncase 1\n", "otherwise\n", "while", "try", "global", "return",
            "break", "net", ".layers", "{end+1}", " = ", "struct('type', 'conv', ", "'weights'",
            "{{", "}}", "randn(5,5,1,20, 'single')", "zeros(1, 20, 'single')", "ones(3)", "[28 28 1]",
            "opts", " = vl_argparse(opts, varargin)", "insertBnorm(net, 1)", "vl_simplenn_tidy(net)",
            "net.meta.trainOpts.learningRate", "logspace(-2, -4, 60)", "1e400", "1:1e9", "...\n",
            "%{\n", "\n%}\n", "%", "(", ")", "[", "]", "{", "}", "'", "\"", ";", ",", ".", ":", "=",
            "+", "-", "*", "/", "\\", "^", "~", "&", "|", "<", ">", "@", " ", "\n", "\t", "x", "1", "0.5"]
SNIPPETS = {"prototxt": PROTO_TOKENS, "m": M_TOKENS}


def seeds():
    files = {"prototxt": sorted((ROOT / "tests" / "data" / "caffe-reference").glob("*/*.prototxt"))
             + sorted((ROOT / "configs").glob("*/*.prototxt")),
             "m": sorted((ROOT / "tests" / "data" / "matconvnet").glob("*.m"))
             + sorted((ROOT / "tests" / "data" / "matconvnet-reference").glob("*/*.m"))
             + sorted((ROOT / "configs").glob("*/*.m"))}
    return {reader: [p.read_text(encoding="utf-8", errors="replace") for p in paths] for reader, paths in files.items()}


def mutate(text, rng, snippets):
    """One to six random edits of text."""
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 6))):
        n = len(text)
        i = rng.randint(0, n)
        j = min(n, i + rng.choice((1, 1, 2, 5, 20, 200)))
        kind = rng.randrange(9)
        if kind == 0:
            text = text[:i] + text[j:]
        elif kind == 1:
            text = text[:i] + rng.choice(snippets) + text[i:]
        elif kind == 2:
            text = text[:i] + rng.choice(snippets) + text[j:]
        elif kind == 3:
            text = text[:i] + text[i:j] * rng.randint(2, 4) + text[j:]
        elif kind == 4:
            lines = text.split("\n")
            a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[a], lines[b] = lines[b], lines[a]
            text = "\n".join(lines)
        elif kind == 5:
            text = text[:i]
        elif kind == 6 and n:
            text = text[:i] + chr(rng.choice((0, 9, 10, 13, 34, 39, 92, 123, 125, 0x7f, 0xe9, 0x2028, 0xfeff,
                                               rng.randrange(32, 127)))) + text[i + 1:]
        elif kind == 7:  # a construct repeated deep: nesting limits
            piece = rng.choice(["{", "(", "[", "layer { ", "a { ", "if 1\n", "-"])
            text = text[:i] + piece * rng.choice((10, 60, 120, 400)) + text[i:]
        else:
            text = text[:i] + text[rng.randint(0, n):][:rng.randint(0, 300)] + text[i:]
    return text


def binary_seeds():
    import tempfile

    sys.path.insert(0, str(ROOT / "tests"))
    import numpy as np
    from checkpoint_writers import caffemodel, mat_v5

    rng = np.random.default_rng(0)
    layers = {"conv1": ("Convolution", [rng.normal(size=(2, 1, 3, 3)), rng.normal(size=2)]),
              "ip1": ("InnerProduct", [rng.normal(size=(3, 8)), rng.normal(size=3)])}
    net = [("conv1", "conv", [rng.normal(size=(3, 3, 1, 2)), rng.normal(size=2)]), ("relu", "relu", []),
           ("fc", "conv", [rng.normal(size=(2, 2, 2, 3)), rng.normal(size=3)])]
    with tempfile.TemporaryDirectory() as tmp:
        return {"caffemodel": [caffemodel(Path(tmp) / f"{i}.caffemodel", layers, **o).read_bytes()
                               for i, o in enumerate([{}, {"packed": False}, {"legacy": True, "v1": True}])],
                "mat": [mat_v5(Path(tmp) / f"{i}.mat", net, compress=c).read_bytes() for i, c in enumerate((0, 1))]}


def mutate_bytes(data, rng):
    for _ in range(rng.choice((1, 1, 2, 3, 6))):
        i = rng.randint(0, len(data))
        kind = rng.randrange(4)
        if kind == 0 and data:
            i = min(i, len(data) - 1)
            data = data[:i] + bytes([data[i] ^ rng.randrange(1, 256)]) + data[i + 1:]
        elif kind == 1:
            data = data[:i]
        elif kind == 2:
            data = data[:i] + bytes([rng.randrange(256)]) * rng.choice((1, 4, 10)) + data[i:]
        else:
            data = data[:i] + data[i + rng.randint(1, 16):]
    return data


def generate(reader, rng, corpus):
    mode = rng.random()
    if reader in BINARY:
        if mode < 0.8:
            return mutate_bytes(rng.choice(corpus[reader]), rng)
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 300)))
    if mode < 0.6 and corpus[reader]:
        return mutate(rng.choice(corpus[reader]), rng, SNIPPETS[reader])
    if mode < 0.85:
        return "".join(rng.choice(SNIPPETS[reader]) for _ in range(rng.randint(0, 80)))
    chars = (chr(rng.choice((rng.randrange(0, 128), rng.randrange(0, 0x3000)))) for _ in range(rng.randint(0, 200)))
    return "".join(chars)


def _readers():
    from parity.dialects.caffe.loader import NET_FIELDS
    from parity.dialects.caffe.prototxt import parse
    from parity.dialects.caffe.schema import validate
    from parity.dialects.matconvnet.mlang.meval import run_module
    from parity.dialects.matconvnet.mlang.parser import parse as parse_m

    def read_prototxt(text):
        msg = parse(text, "fuzz.prototxt")
        kind = "NetParameter" if any(msg.has(f) for f in NET_FIELDS) or not msg.fields else "SolverParameter"
        validate(msg, kind, "fuzz.prototxt")
        return msg

    def read_m(text):
        return run_module(parse_m(text, "fuzz.m"))

    def read_checkpoint(suffix):
        import tempfile

        from parity.checkpoints import read

        folder = tempfile.mkdtemp(prefix="parity-fuzz-")

        def run(data):
            path = Path(folder) / f"fuzz{suffix}"
            path.write_bytes(data)
            return read(str(path))

        return run

    return {"prototxt": read_prototxt, "m": read_m, "caffemodel": read_checkpoint(".caffemodel"),
            "mat": read_checkpoint(".mat")}


class Hang(BaseException):
    """Raised by SIGALRM: BaseException, so no reader's `except Exception` can swallow it."""


def _alarm(signum, frame):
    raise Hang()


def work(args):
    """Run `count` inputs from `seed`; returns the worker's tally."""
    count, seed, limit, crash_dir = args
    from parity.checkpoints import CheckpointError
    from parity.errors import SpecError

    readers, corpus, rng = _readers(), {**seeds(), **binary_seeds()}, random.Random(seed)
    signal.signal(signal.SIGALRM, _alarm)
    tally = {"count": 0, "by_reader": dict.fromkeys(READERS, 0), "spec_errors": 0, "crashes": [], "hangs": [],
             "slowest": (0.0, None, "")}
    for k in range(count):
        reader = READERS[k % len(READERS)]
        text = generate(reader, rng, corpus)
        start = time.perf_counter()
        outcome = None
        signal.setitimer(signal.ITIMER_REAL, limit)
        try:
            readers[reader](text)
        except (SpecError, CheckpointError):
            outcome = "spec-error"
        except Hang:
            outcome = "hang"
        except RecursionError:
            outcome = "crash: RecursionError"
        except Exception as err:  # anything but SpecError is a crash
            outcome = f"crash: {type(err).__name__}: {err}"
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        took = time.perf_counter() - start
        tally["count"] += 1
        tally["by_reader"][reader] += 1
        tally["spec_errors"] += outcome == "spec-error"
        if took > tally["slowest"][0]:
            tally["slowest"] = (took, reader, text[:200])
        if outcome and outcome != "spec-error":
            bucket = "hangs" if outcome == "hang" else "crashes"
            name = f"{bucket}-{seed}-{k}.{reader}"
            if crash_dir:
                Path(crash_dir).mkdir(parents=True, exist_ok=True)
                if isinstance(text, bytes):
                    (Path(crash_dir) / name).write_bytes(text)
                else:
                    (Path(crash_dir) / name).write_text(text, encoding="utf-8", errors="surrogatepass")
            tally[bucket].append((name, outcome[:300]))
    return tally


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=100_000, help="inputs in all, split evenly over the readers")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument("--limit", type=float, default=1.0, help="seconds one input may take before it is a hang")
    ap.add_argument("--crashes", default=str(ROOT / ".fuzz-crashes"), help="where failing inputs are written")
    opts = ap.parse_args(argv)
    jobs = max(1, min(opts.jobs, opts.count))
    shares = [opts.count // jobs + (i < opts.count % jobs) for i in range(jobs)]
    tasks = [(n, opts.seed + 1000 * i, opts.limit, opts.crashes) for i, n in enumerate(shares)]
    start = time.perf_counter()
    if jobs == 1:
        tallies = [work(tasks[0])]
    else:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            tallies = pool.map(work, tasks)
    total = time.perf_counter() - start
    count = sum(t["count"] for t in tallies)
    by_reader = {r: sum(t["by_reader"][r] for t in tallies) for r in READERS}
    crashes = [c for t in tallies for c in t["crashes"]]
    hangs = [h for t in tallies for h in t["hangs"]]
    slowest = max((t["slowest"] for t in tallies), key=lambda s: s[0])
    print(f"inputs: {count:,} ({', '.join(f'{r}: {n:,}' for r, n in by_reader.items())}), "
          f"{sum(t['spec_errors'] for t in tallies):,} of them a SpecError or CheckpointError")
    print(f"crashes: {len(crashes)}")
    for name, what in crashes[:20]:
        print(f"  {name}: {what}")
    print(f"hangs (over {opts.limit:g} s): {len(hangs)}")
    for name, _ in hangs[:20]:
        print(f"  {name}")
    print(f"slowest input: {slowest[0] * 1000:.1f} ms ({slowest[1]} reader)")
    print(f"total time: {total:.1f} s with {jobs} worker{'s' if jobs > 1 else ''}")
    if crashes or hangs:
        print(f"failing inputs written to {opts.crashes}")
    return 1 if crashes or hangs else 0


if __name__ == "__main__":
    sys.exit(main())
