"""A seeded generator of planted pairs, and a runner that scores what parity names for each.

    python tools/generate_pairs.py                    # every generated pair (make generated)
    python tools/generate_pairs.py --subset 18        # a seeded, stratified subset (make test runs one)
    python tools/generate_pairs.py --out DIR --list   # write the specs and list the pairs, run nothing

Each pair is a Keras MLP (1-2 hidden layers of 12-40 units, sigmoid/tanh/ReLU, mean squared error
or softmax cross-entropy) against a NumPy adapter (with or without `grads()`), a Caffe net + solver,
or a MatConvNet init function, drawn with λ in [7e-4, 0.05], rates in [0.05, 1.0], zero or seeded
starting weights, and zero, one or two planted causes. A pair is right when its planted causes are
exactly the first ones the report ranks (in any order among themselves), or, for an equivalent pair,
when the status is parity. A wrong cause ranked first is a failure; exit 1 when any pair is not right.
"""

import argparse
import json
import math
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pair_templates as tpl  # noqa: E402
import zoo  # noqa: E402

# Planted differences per family: (expected causes, what the other side does differently).
NUMPY_PLANTS = [
    ((), {}),
    (("l2-convention",), {"penalty": 0.5}),                   # ½λΣw² against Keras L2(λ) = λΣw²
    (("l2-convention",), {"penalty": 2.0}),                   # 2λΣw² against λΣw²
    (("weight-decay",), {"penalty": 0.0}),                    # no penalty on the NumPy side
    (("weight-decay",), {"keras_penalty": 0.0}),              # no penalty on the Keras side
    (("loss-reduction",), {"summed": True}),
    (("lr-multiplier",), {"bias_rate": 2.0}),
    (("bias-decay",), {"bias_penalty": 1.0}),                 # the NumPy side penalises biases too
    (("loss-reduction", "l2-convention"), {"summed": True, "penalty": 0.5}),
    (("loss-reduction", "weight-decay"), {"summed": True, "penalty": 0.0}),
    (("optimizer", "lr-multiplier"), {"rate_factor": 10.0, "bias_rate": 2.0}),
]
SOLVER_PLANTS = [  # Keras against Caffe or MatConvNet, whose weight_decay λ acts as Keras L2(λ/2)
    ((), {}),
    (("bias-decay",), {"keras_bias": 0.0}),                   # Keras regularises kernels only
    (("weight-decay",), {"keras_kernel": 0.0, "keras_bias": 0.0}),
    (("weight-decay",), {"decay": 3.0}),                      # a different λ
    (("l2-convention",), {"keras_kernel": 2.0, "keras_bias": 2.0}),  # Keras L2(λ) against weight_decay λ
    (("lr-multiplier",), {"bias_rate": 2}),
    (("optimizer",), {"rate": 10.0}),
    (("optimizer", "lr-multiplier"), {"rate": 10.0, "bias_rate": 2}),
    (("bias-decay", "lr-multiplier"), {"keras_bias": 0.0, "bias_rate": 2}),
]


@dataclass
class Generated:
    name: str
    a: str
    b: str
    expected: tuple  # cause codes; () for an equivalent pair
    args: list
    family: str
    grads: bool | None
    setting: dict = field(default_factory=dict)


def _log_uniform(rng, lo, hi):
    return float(f"{math.exp(rng.uniform(math.log(lo), math.log(hi))):.3g}")


def _draw(rng, family):
    act = rng.choice(["sigmoid", "tanh", "relu"] if family != "matconvnet" else ["sigmoid", "relu"])
    zeros = act == "sigmoid" and rng.random() < 0.4  # only sigmoid moves its kernels from all-zero weights
    return {"hidden": [rng.randint(12, 40) for _ in range(rng.randint(1, 2))], "act": act,
            "loss": rng.choice(["mse", "ce"]) if family == "numpy" else "ce",
            "lam": _log_uniform(rng, 7e-4, 0.05), "lr": _log_uniform(rng, 0.05, 1.0),
            "weights": "zeros" if zeros else f"seed:{rng.randint(0, 999)}",
            "momentum": 0.0 if zeros or family == "numpy" or rng.random() < 0.5 else 0.9}


def _keras(s, kernel_l2, bias_l2, lr, flatten):
    def reg(v):
        return f"keras.regularizers.L2({v!r})" if v else "None"
    ce = s["loss"] == "ce"
    return tpl.KERAS.format(hidden=s["hidden"], act=s["act"], loss=s["loss"], kreg=reg(kernel_l2), breg=reg(bias_l2),
                            input_shape="(28, 28, 1)" if flatten else "(784,)",
                            flatten="\n    layers.append(keras.layers.Flatten())" if flatten else "",
                            out_act="softmax" if ce else ("sigmoid" if s["act"] == "sigmoid" else "linear"),
                            lr=lr, momentum=s["momentum"],
                            keras_loss="categorical_crossentropy" if ce else "mse")


def _numpy_pair(folder, stem, s, plant, grads):
    half = s["lam"] / 2  # the equivalent penalty: Keras L2(λ/2) and the NumPy side's (λ/2)Σw²
    keras_pen = half * plant.get("keras_penalty", 1.0)
    (folder / f"{stem}_a.py").write_text(_keras(s, keras_pen, None, s["lr"], False))
    text = tpl.NUMPY.format(sizes=[784, *s["hidden"], 10], act=s["act"], loss=s["loss"],
                            penalty=half * plant.get("penalty", 1.0),
                            bias_penalty=half * plant.get("bias_penalty", 0.0),
                            summed=plant.get("summed", False), bias_rate=plant.get("bias_rate", 1.0),
                            rate_factor=plant.get("rate_factor", 1.0), shrink=s["shrink"],
                            cls="NetWithGrads" if grads else "Net")
    (folder / f"{stem}_b.py").write_text(text)
    return str(folder / f"{stem}_a.py"), str(folder / f"{stem}_b.py")


def _keras_against_solver(folder, stem, s, plant):
    half = s["lam"] / 2
    rate = s["lr"] * plant.get("rate", 1.0)
    (folder / f"{stem}_a.py").write_text(_keras(s, half * plant.get("keras_kernel", 1.0),
                                                half * plant.get("keras_bias", 1.0), s["lr"], True))
    return str(folder / f"{stem}_a.py"), rate, s["lam"] * plant.get("decay", 1.0)


def _caffe_pair(folder, stem, s, plant):
    a, rate, decay = _keras_against_solver(folder, stem, s, plant)
    bias_rate = plant.get("bias_rate", 1)
    params = f"param {{ lr_mult: 1 }} param {{ lr_mult: {bias_rate} }}\n  " if bias_rate != 1 else ""
    layers, bottom = [], "data"
    for i, units in enumerate([*s["hidden"], 10]):
        layers.append(tpl.CAFFE_IP.format(name=f"ip{i + 1}", bottom=bottom, params=params, units=units))
        if i < len(s["hidden"]):
            kind = {"sigmoid": "Sigmoid", "tanh": "TanH", "relu": "ReLU"}[s["act"]]
            layers.append(f'layer {{ name: "act{i + 1}"  type: "{kind}"  bottom: "ip{i + 1}"  top: "ip{i + 1}" }}')
        bottom = f"ip{i + 1}"
    (folder / f"{stem}_net.prototxt").write_text(tpl.CAFFE_NET.format(act=s["act"], layers="\n".join(layers),
                                                                      last=bottom))
    (folder / f"{stem}_b.prototxt").write_text(tpl.CAFFE_SOLVER.format(net=f"{stem}_net.prototxt", lr=rate,
                                                                       momentum=s["momentum"], decay=decay))
    return a, str(folder / f"{stem}_b.prototxt")


def _matconvnet_pair(folder, stem, s, plant):
    a, rate, decay = _keras_against_solver(folder, stem, s, plant)
    bias_rate = plant.get("bias_rate", 1)
    layers, (h, w, c) = [], (28, 28, 1)
    for i, units in enumerate([*s["hidden"], 10]):
        layers.append(tpl.MATCONVNET_CONV.format(name=f"fc{i + 1}", h=h, w=w, c=c, k=units, bias_rate=bias_rate))
        if i < len(s["hidden"]):
            layers.append(f"net.layers{{end+1}} = struct('name', 'act{i + 1}', 'type', '{s['act']}') ;")
        h, w, c = 1, 1, units
    name = f"{stem}_b"
    (folder / f"{name}.m").write_text(tpl.MATCONVNET.format(name=name, act=s["act"], layers="\n".join(layers),
                                                            lr=rate, momentum=s["momentum"], decay=decay))
    return a, str(folder / f"{name}.m")


def generate(folder, seed=0, count=120):
    """Write `count` pairs under `folder`; half Keras/NumPy (two thirds of those without grads()), a
    quarter each Keras/Caffe and Keras/MatConvNet. The plants cycle so that every kind recurs."""
    rng = random.Random(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    pairs = []
    for i in range(count):
        family = ("numpy", "caffe", "numpy", "matconvnet")[i % 4]
        s = _draw(rng, family)
        stem = f"g{i:03d}_{family}"
        if family == "numpy":
            expected, plant = NUMPY_PLANTS[(i // 2) % len(NUMPY_PLANTS)]
            grads = rng.random() < 1 / 3
            s["shrink"] = rng.random() < 0.5
            a, b = _numpy_pair(folder, stem, s, plant, grads)
        else:
            expected, plant = SOLVER_PLANTS[(i // 4) % len(SOLVER_PLANTS)]
            grads = None
            a, b = (_caffe_pair if family == "caffe" else _matconvnet_pair)(folder, stem, s, plant)
        args = ["--samples", "64", "--steps", "3", "--weights", s["weights"]]
        pairs.append(Generated(stem, a, b, expected, args, family, grads, {**s, "plant": plant}))
    return pairs


def subset(pairs, size, seed=1):
    """A seeded subset: half Keras/NumPy, a quarter each Caffe and MatConvNet; within a family an
    equivalent pair first, then a two-cause pair, then the other planted kinds, one pair per kind."""
    rng = random.Random(seed)
    quota = {"numpy": size // 2, "caffe": size // 4}
    quota["matconvnet"] = size - sum(quota.values())
    picked = []
    for family, n in quota.items():
        groups = {}
        for p in pairs:
            if p.family == family:
                groups.setdefault(p.expected, []).append(p)
        kinds = sorted(groups, key=lambda e: rng.random())
        kinds.sort(key=lambda e: len(e) != 0)  # an equivalent pair first, then one two-cause pair, then any
        two = next((k for k in kinds if len(k) == 2), None)
        if two is not None:
            kinds.remove(two)
            kinds.insert(1, two)
        picked += [rng.choice(groups[k]) for k in kinds[:n]]
    return sorted(picked, key=lambda p: p.name)


@dataclass
class Score:
    pair: Generated
    status: str
    codes: list
    ok: bool
    wrong_first: bool
    seconds: float
    report: dict | None


def run(pair):
    outcome = zoo.run_pair(zoo.Pair(pair.name, pair.a, pair.b, pair.expected[0] if pair.expected else "parity",
                                    pair.args))
    report = outcome.report or {}
    codes = [c["code"] for c in report.get("causes", [])]
    if not pair.expected:
        ok = outcome.status == "parity"
        wrong = bool(codes)
    else:
        k = len(pair.expected)
        ok = outcome.status == "diverged" and sorted(codes[:k]) == sorted(pair.expected)
        wrong = bool(codes) and codes[0] not in pair.expected
    return Score(pair, outcome.status, codes, ok, wrong, outcome.seconds, outcome.report or {"error": outcome.error})


HEADER = f"{'pair':<16} {'grads':<5} {'expected':<30} {'found (first causes)':<40} {'time':>6}"


def line(s):
    p = s.pair
    grads = "-" if p.grads is None else ("yes" if p.grads else "no")
    found = ", ".join(s.codes[:3]) if s.codes else s.status
    mark = "ok" if s.ok else ("WRONG FIRST" if s.wrong_first else "miss")
    return f"{p.name:<16} {grads:<5} {', '.join(p.expected) or 'parity':<30} {found:<40} {s.seconds:5.1f}s  {mark}"


def summary(scores):
    def count(sel):
        chosen = [s for s in scores if sel(s.pair)]
        return f"{sum(s.ok for s in chosen)}/{len(chosen)}"
    lines = [f"all pairs: {count(lambda p: True)} right, {sum(s.wrong_first for s in scores)} with a wrong cause "
             "ranked first",
             f"  equivalent: {count(lambda p: not p.expected)}; one cause: {count(lambda p: len(p.expected) == 1)}; "
             f"two causes: {count(lambda p: len(p.expected) == 2)}",
             f"  Keras/NumPy with grads(): {count(lambda p: p.grads is True)}; without grads(): "
             f"{count(lambda p: p.grads is False)}; Keras/Caffe: {count(lambda p: p.family == 'caffe')}; "
             f"Keras/MatConvNet: {count(lambda p: p.family == 'matconvnet')}"]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--count", type=int, default=120)
    parser.add_argument("--subset", type=int, help="run only a seeded, stratified subset of this size")
    parser.add_argument("--only", nargs="*", help="run only pairs whose name contains one of these")
    parser.add_argument("--shard", help="I/N: run every N-th pair from the I-th (0-based), to spread a run")
    parser.add_argument("--out", help="folder for the specs (default: a temporary folder)")
    parser.add_argument("--list", action="store_true", help="write and list the pairs; run nothing")
    parser.add_argument("--json", help="write each pair's setting, expectation and report here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="parity-pairs-") as tmp:
        pairs = generate(args.out or tmp, args.seed, args.count)
        if args.subset:
            pairs = subset(pairs, args.subset)
        if args.only:
            pairs = [p for p in pairs if any(s in p.name for s in args.only)]
        if args.shard:
            i, n = (int(v) for v in args.shard.split("/"))
            pairs = pairs[i::n]
        if args.list:
            for p in pairs:
                print(p.name, p.a, p.b, " ".join(p.args), "->", ", ".join(p.expected) or "parity")
            return 0
        from parity import lazy

        lazy.tensorflow()
        start = time.perf_counter()
        scores = []
        print(HEADER, flush=True)
        for p in pairs:
            scores.append(run(p))
            print(line(scores[-1]), flush=True)  # row by row: a long run shows where it is
        print(f"\n{summary(scores)}\n{len(scores)} pairs in {time.perf_counter() - start:.0f}s "
              f"(python tools/generate_pairs.py --seed {args.seed} --count {args.count}"
              f"{f' --subset {args.subset}' if args.subset else ''})")
        if args.json:
            with open(args.json, "w") as f:
                json.dump([{"name": s.pair.name, "expected": s.pair.expected, "setting": s.pair.setting,
                            "grads": s.pair.grads, "ok": s.ok, "codes": s.codes, "report": s.report}
                           for s in scores], f, indent=1, default=str)
    return 0 if all(s.ok for s in scores) else 1


if __name__ == "__main__":
    sys.exit(main())
