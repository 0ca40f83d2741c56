"""The trace format: round trip, incremental and partial files, `check --trace` + `parity diff`
giving check's verdict, `parity record` starting from check's weights, and bad files (exit 2)."""

import json
import subprocess
import sys
import tracemalloc

import h5py
import numpy as np
import pytest
from conftest import ROOT, STORY1

from parity.recorders.tracefile import FORMAT_VERSION, TraceWriter
from parity.trace import TraceError, open_trace

KERAS = STORY1 / "keras_mlp.py"
NUMPY = STORY1 / "numpy_net.py"
FAST = ("--samples", "256", "--steps", "3")

TENSORS = [{"layer": "fc1", "key": "fc1/0", "role": "kernel", "shape": (4, 3), "layout": "in,out"},
           {"layer": "fc1", "key": "fc1/1", "role": "bias", "shape": (3,), "layout": ""}]


def _arrays(rng):
    return {"fc1/0": rng.normal(size=(4, 3)).astype(np.float32), "fc1/1": rng.normal(size=3).astype(np.float32)}


def _write_small(path, steps=3, close=True):
    rng = np.random.default_rng(0)
    written = []
    w = TraceWriter(path, writer="test", meta={"dtype": "float32", "seed": 0, "samples_count": 5,
                                               "data_fingerprint": "abc"})
    w.add_side("A", TENSORS, attrs={"spec": "a.py", "dialect": "keras", "dtype": "float32", "penalised": True},
               inputs=np.arange(10.0).reshape(5, 2))
    for step in range(steps):
        weights, gd, gr = _arrays(rng), _arrays(rng), _arrays(rng)
        acts = [("fc1", rng.normal(size=(5, 3)))]
        w.append("A", step, weights, grads={"data": gd, "reg": gr}, loss={"data": 0.5 - step / 10, "reg": 0.01},
                 lr=0.1, activations=acts)
        w.end_step()
        written.append((weights, gd, gr, acts))
    if close:
        w.close()
    return w, written


def test_round_trip(tmp_path):
    path = tmp_path / "t.h5"
    _, written = _write_small(path)
    with open_trace(path) as t:
        assert t.complete and t.version == FORMAT_VERSION and t.meta["seed"] == 0
        side = t.side("B")  # the only side stands for either
        assert side.steps == 3 and side.separates_terms and side.has_reg and side.penalised
        assert [(x.layer, x.key, x.role, x.shape, x.layout) for x in side.tensors] == [
            (d["layer"], d["key"], d["role"], d["shape"], d["layout"]) for d in TENSORS]
        np.testing.assert_array_equal(side.input(), np.arange(10.0).reshape(5, 2))
        for i, (weights, gd, gr, acts) in enumerate(written):
            step, w, ev, lr = side.read(i)
            assert step == i and lr == pytest.approx(0.1)
            for k in weights:
                np.testing.assert_array_equal(w[k], weights[k])
                np.testing.assert_array_equal(ev.grads_data[k], gd[k])
                np.testing.assert_array_equal(ev.grads_total[k], gd[k] + gr[k])
            assert ev.loss_data == pytest.approx(0.5 - i / 10) and ev.loss_total == pytest.approx(0.51 - i / 10)
            assert ev.activations[0][0] == "fc1"
            np.testing.assert_array_equal(ev.activations[0][1], acts[0][1])


def test_datasets_are_chunked_per_step_compressed_and_growable(tmp_path):
    path = tmp_path / "t.h5"
    _write_small(path)
    with h5py.File(path) as f:
        ds = f["sides/A/tensors/0000/weight"]
        assert ds.shape == (3, 4, 3) and ds.maxshape == (None, 4, 3) and ds.chunks == (1, 4, 3)
        assert ds.compression == "gzip" and f.attrs["format_version"] == FORMAT_VERSION


def test_writer_holds_one_step_in_memory(tmp_path):
    """30 steps of 2 MB each: traced allocations stay near one step, not thirty."""
    big = [{"layer": "fc", "key": "w", "role": "kernel", "shape": (512, 1024), "layout": "in,out"}]
    w = TraceWriter(tmp_path / "big.h5", writer="test")
    w.add_side("A", big)
    value = np.zeros((512, 1024), np.float32)
    tracemalloc.start()
    for step in range(30):
        value[step % 512] = step
        w.append("A", step, {"w": value}, grads={"total": {"w": value}}, loss={"total": 1.0})
        w.end_step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    w.close()
    assert peak < 12 * 2**20, f"peak {peak / 2**20:.1f} MiB for 30 steps of 4 MiB"
    with open_trace(tmp_path / "big.h5") as t:
        assert t.side("A").steps == 30


def test_a_partial_file_is_readable(tmp_path):
    """A writer killed mid-run (no close): its finished steps read back, and the file says it is incomplete."""
    path = tmp_path / "partial.h5"
    code = (f"import sys, os; sys.path.insert(0, {str(ROOT / 'tests')!r}); from test_trace import _write_small; "
            f"_write_small({str(path)!r}, steps=4, close=False); os._exit(0)")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    with open_trace(path) as t:
        assert not t.complete and t.side("A").steps == 4
        t.side("A").read(3)


def test_a_file_being_written_is_readable(tmp_path):
    """Another process still writing (single-writer/multiple-reader mode): its flushed steps read back."""
    path, go = tmp_path / "live.h5", tmp_path / "go"
    code = (f"import sys, os, time; sys.path.insert(0, {str(ROOT / 'tests')!r}); from test_trace import _write_small\n"
            f"w, _ = _write_small({str(path)!r}, steps=2, close=False)\nprint('written', flush=True)\n"
            f"while not os.path.exists({str(go)!r}): time.sleep(0.05)\nw.close()")
    writer = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "written"
        with open_trace(path) as t:
            assert not t.complete and t.side("A").steps == 2
    finally:
        go.write_text("")
        writer.wait(timeout=60)
    with open_trace(path) as t:
        assert t.complete


def test_check_trace_diff_gives_check_verdict_on_a_parity_pair(cli, tmp_path):
    trace = tmp_path / "pair.h5"
    code, out, err = cli("check", f"{KERAS}:build_half", NUMPY, *FAST, "--trace", trace, "--json", tmp_path / "c.json")
    assert code == 0, out + err
    code, out, err = cli("diff", trace, trace, "--json", "-")
    report = json.loads(out)
    assert code == 0 and report["status"] == "parity" and report["steps_run"] == 3
    with open_trace(trace) as t:
        assert t.complete and t.meta["status"] == "parity" and set(t.sides) == {"A", "B"}
        assert t.meta["data_fingerprint"] == json.loads((tmp_path / "c.json").read_text())["sides"]["samples"][
            "fingerprint"]
        assert t.side("A").attrs["spec"] == f"{KERAS}:build_half"


def test_check_trace_diff_gives_check_verdict_on_story1(cli, tmp_path):
    trace = tmp_path / "story1.h5"
    code, out, _ = cli("check", KERAS, NUMPY, "--weights", "zeros", *FAST, "--trace", trace, "--json",
                       tmp_path / "check.json")
    check = json.loads((tmp_path / "check.json").read_text())
    assert code == 1
    code, out, err = cli("diff", trace, trace, "--json", "-")
    diff = json.loads(out)
    assert code == 1, err
    assert diff["status"] == check["status"] == "diverged"
    for key in ("step", "quantity", "layer_a", "layer_b", "param", "term"):
        assert diff["first_divergence"][key] == check["first_divergence"][key], key
    assert diff["first_divergence"]["rel_error"] == pytest.approx(check["first_divergence"]["rel_error"])
    assert [c["code"] for c in diff["causes"]] == [c["code"] for c in check["causes"]] == ["l2-convention"]
    assert diff["spec_differences"] == check["spec_differences"]
    with open_trace(trace) as t:  # a float32 noise rerun replaces the first pass: the trace is the rerun's
        assert t.meta["pass"] == (1 if any("noise" in n for n in check["notes"]) else 0)


def test_record_starts_from_checks_weights_and_diffs_like_check(cli, tmp_path):
    check_trace, a, b = tmp_path / "c.h5", tmp_path / "a.h5", tmp_path / "b.h5"
    assert cli("check", f"{KERAS}:build_half", NUMPY, *FAST, "--trace", check_trace)[0] == 0
    assert cli("record", f"{KERAS}:build_half", "--out", a, *FAST)[0] == 0
    code, out, err = cli("record", NUMPY, "--out", b, *FAST, "--lr", "0.5")  # alone, an adapter steps at --lr
    assert code == 0 and "steps 0..3" in out, err
    with open_trace(check_trace) as c, open_trace(a) as ta, open_trace(b) as tb:
        for label, alone in (("A", ta), ("B", tb)):
            _, w_check, _, _ = c.side(label).read(0)
            _, w_alone, _, _ = alone.side("A").read(0)
            for key in w_check:
                np.testing.assert_array_equal(w_check[key], w_alone[key])
        assert ta.meta["data_fingerprint"] == c.meta["data_fingerprint"]
    code, out, err = cli("diff", a, b)
    assert code == 0 and "PARITY over 3 steps" in out, out + err


def test_record_with_own_weights_and_an_adapter_at_lr(cli, tmp_path):
    """--weights a alone is the side's own initialisation; an adapter recorded alone steps at --lr."""
    out_path = tmp_path / "own.h5"
    code, _, err = cli("record", NUMPY, "--out", out_path, "--weights", "a", "--steps", "1", "--samples", "32",
                       "--lr", "0.25")
    assert code == 0, err
    with open_trace(out_path) as t:
        _, w, _, lr = t.side("A").read(0)
        assert not np.any(w["W1"]) and lr == 0.25  # the NumPy net starts at zeros


def _bad(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_corrupt_truncated_and_newer_traces_exit_2(cli, tmp_path):
    good = tmp_path / "good.h5"
    _write_small(good)
    data = good.read_bytes()
    truncated = _bad(tmp_path, "cut.h5", data[: len(data) // 2])
    garbage = _bad(tmp_path, "garbage.h5", b"this is no trace\n" * 50)
    newer = tmp_path / "newer.h5"
    newer.write_bytes(data)
    with h5py.File(newer, "r+") as f:
        f.attrs["format_version"] = FORMAT_VERSION + 1
    foreign = tmp_path / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f["x"] = np.zeros(3)
    cases = [(truncated, "truncated"), (garbage, "is not an HDF5 file"),
             (newer, f"format version {FORMAT_VERSION + 1}, newer than this parity reads"),
             (foreign, "not a parity trace"), (tmp_path / "missing.h5", "no such file"),
             (tmp_path, "is a folder")]
    for path, words in cases:
        code, out, err = cli("diff", path, good)
        assert code == 2, (path, out, err)
        assert words in err and str(path) in err and "Traceback" not in err + out, err


def test_corrupt_data_inside_a_valid_file_exits_2(cli, tmp_path):
    good = tmp_path / "good.h5"
    _write_small(good)
    with h5py.File(good, "r+") as f:
        del f["sides/A/tensors/0001/weight"]
    code, _, err = cli("diff", good, good)
    assert code == 2 and "truncated or corrupt" in err and "weight" in err and str(good) in err


def test_unwritable_trace_exits_2_before_training(cli, tmp_path):
    code, _, err = cli("check", KERAS, NUMPY, *FAST, "--trace", tmp_path / "no" / "t.h5")
    assert code == 2 and "--trace: cannot write" in err and "no folder" in err
    code, _, err = cli("record", NUMPY, *FAST, "--out", tmp_path)
    assert code == 2 and "--out: cannot write" in err


def test_trace_error_is_a_parity_error():
    from parity.errors import ParityError

    assert issubclass(TraceError, ParityError) and TraceError("x").exit_code == 2
