"""The cause registry (parity/diagnose/causes/) and `parity explain`: every contract code is registered
with its text and fix phrasing, explain prints it without TensorFlow, and the docs' table and the zoo
read the registry."""

import re
import subprocess
import sys

import pytest
from conftest import ROOT

from parity.diagnose import Cause, causes

# CONTRACT.md, "Cause codes" (copied here on purpose: the test does not read ../shared).
CONTRACT_CODES = [
    "l2-convention", "weight-decay", "decoupled-decay", "bias-decay", "lr-multiplier", "optimizer",
    "momentum-formulation", "lr-schedule", "lr-decay-ignored", "loss-function", "loss-reduction", "activation",
    "padding", "pool-stride", "pool-rounding", "flatten-order", "grouped-conv", "input-scale", "label-offset",
    "dropout", "batchnorm", "init", "architecture", "dtype", "non-finite", "gradient-bug", "custom-step",
    "batchnorm-sync", "replica-reduction",
]


def test_every_contract_code_is_registered_with_its_text():
    assert set(CONTRACT_CODES) <= set(causes.codes())
    for code in causes.codes():
        entry = causes.info(code)
        for text in (entry.summary, entry.meaning, entry.signature, entry.example):
            assert text.strip(), f"{code}: empty text"
        assert "\n" not in entry.summary, code
        assert causes.example_fixes(code), f"{code}: no fix phrasing at all"


def test_every_registered_fix_phrase_fills_with_the_examples_values():
    for code in causes.codes():
        for framework, text in causes.example_fixes(code):
            assert "{" not in text.replace("{ ", "").replace("{{", ""), (code, framework, text)


def test_the_three_new_codes_are_marked_until_their_signatures_land():
    # Whoever lands a signature flips `detected` in catalog.py; until then explain says it is pending.
    for code in ("custom-step", "batchnorm-sync", "replica-reduction"):
        assert isinstance(causes.info(code).detected, bool)
        if not causes.info(code).detected:
            from parity.report.explain import PENDING, explain

            assert PENDING in explain(code)


def test_an_unknown_code_fails_loudly_everywhere():
    with pytest.raises(causes.UnknownCause, match="l2-convention"):
        causes.info("l2-conventions")
    with pytest.raises(causes.UnknownCause):
        Cause("not-a-code", None, None, "m", "e")
    with pytest.raises(causes.UnknownCause):
        causes.fix("not-a-code", "keras")


def test_fix_phrasing_is_chosen_by_framework_with_a_fallback():
    values = dict(side="A", other="B", layers="dense", half="0.00025", scaled="λ/2", r="2", grad="0.0005")
    keras = causes.fix(causes.L2_CONVENTION, "keras", **values)
    assert "keras.regularizers.L2(0.00025)" in keras
    assert causes.fix(causes.L2_CONVENTION, "python-adapter", **values).startswith("side A: λ → λ/2")  # a dialect
    assert causes.fix(causes.L2_CONVENTION, None, **values) == "side A: scale its penalty to λ/2 (a factor of 2)"
    with pytest.raises(KeyError):  # a missing value is an error, never a half-filled text
        causes.fix(causes.L2_CONVENTION, "keras", side="A")


def test_explain_lists_every_code_with_its_summary(cli):
    code, out, _ = cli("explain")
    assert code == 0
    for c in CONTRACT_CODES:
        line = next((x for x in out.splitlines() if x.split(" ", 1)[0] == c), None)
        assert line is not None, c
        assert causes.info(c).summary in line


def test_explain_l2_convention_states_both_conventions_and_the_fixes(cli):
    code, out, _ = cli("explain", "l2-convention")
    assert code == 0
    flat = " ".join(out.split())
    assert "λΣw²" in flat and "½λΣw²" in flat
    assert "Keras: side A: use keras.regularizers.L2(" in flat
    assert "NumPy: side B: λ → 2λ" in flat and "W·(1 −" in flat
    assert "keras/src/regularizers/regularizers.py:265" in flat  # the fact, with its source, from frameworks/
    for part in ("What it means:", "Signature parity looks for:", "Example:", "Fix:"):
        assert part in out


def test_explain_unknown_code_is_exit_2_listing_the_known_ones(cli):
    code, out, err = cli("explain", "l2")
    assert code == 2 and out == ""
    assert "unknown cause code 'l2'" in err
    for c in CONTRACT_CODES:
        assert c in err


def test_explain_does_not_import_tensorflow():
    probe = ("import sys; from parity.cli import main\n"
             "try:\n    main(['explain', 'l2-convention'])\nexcept SystemExit:\n    pass\n"
             "heavy = [m for m in ('tensorflow', 'keras', 'torch') if m in sys.modules]\n"
             "print('HEAVY', heavy)")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert "HEAVY []" in run.stdout, run.stdout + run.stderr


def _table_codes(path):
    """{code: summary} of the markdown table rows whose first cell is a backticked code."""
    rows = {}
    for line in path.read_text().splitlines():
        m = re.match(r"\| `([a-z0-9-]+)` \| ([^|]*) \|", line)
        if m:
            rows[m.group(1)] = m.group(2).strip()
    return rows


def test_docs_cause_table_is_the_registrys():
    import importlib.util

    spec = importlib.util.spec_from_file_location("cause_table_tool", ROOT / "tools" / "cause_table.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.OUT.read_text() == tool.render(), "docs/causes.md is stale: run python tools/cause_table.py"
    table = _table_codes(tool.OUT)
    assert list(table) == causes.codes()
    assert all(table[c] == causes.info(c).summary for c in table)


def test_readme_links_the_table_and_any_code_it_lists_is_registered():
    readme = ROOT / "README.md"
    assert "docs/causes.md" in readme.read_text()
    for code, summary in _table_codes(readme).items():  # a table kept in the README says what the registry says
        assert summary == causes.info(code).summary, code


def test_zoo_expects_only_registered_codes():
    import importlib.util

    spec = importlib.util.spec_from_file_location("zoo_tool", ROOT / "tools" / "zoo.py")
    zoo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(zoo)
    pairs = zoo.load_manifest()  # load_manifest itself rejects an unregistered code
    assert {p.expected for p in pairs} - {"parity"} <= set(causes.codes())


def test_side_fixes_phrase_each_sides_framework_once():
    both = causes.side_fixes(causes.BIAS_DECAY, ["keras", "caffe", "keras"], half="0.00025")
    assert both == "Keras: bias_regularizer=L2(0.00025); or Caffe: param { decay_mult: 0 } for the bias blobs"
    assert causes.side_fixes(causes.BIAS_DECAY, ["toml-of-nothing"]) is None  # no framework: no phrasing
    assert causes.framework_of("python-adapter") == "numpy"
