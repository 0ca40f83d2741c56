"""What CI sees: the JUnit XML report (--junit), GitHub Actions annotations (--github, or by itself
under GITHUB_ACTIONS=true), and progress that never reaches stdout."""

import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from conftest import STORY1

KERAS = STORY1 / "keras_mlp.py"
NUMPY = STORY1 / "numpy_net.py"
QUANTITIES = ["structure", "weight", "activation", "loss", "gradient"]


# --- a JUnit schema check, after the Ant/Jenkins JUnit schema (junit-10.xsd) that CI readers accept ---------

SUITE_ATTRS = {"name", "tests", "failures", "errors", "skipped", "time", "timestamp", "hostname", "id", "package",
               "file", "disabled", "assertions"}
CASE_ATTRS = {"name", "classname", "time", "status", "assertions", "file", "line"}
COUNTS = ("tests", "failures", "errors", "skipped")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")  # xs:dateTime without a zone, as the XSD asks


def _number(element, attr, kind):
    value = element.get(attr)
    if value is None:
        return None
    assert re.fullmatch(r"\d+" if kind is int else r"\d+(\.\d+)?", value), f"{element.tag}@{attr}={value!r}"
    return kind(value)


def validate_junit(text):
    """Parse with the standard library's XML parser and check the schema's structure, required attributes,
    types and that every count matches the testcases it counts. Returns the root."""
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "testsuites", root.tag
    assert all(child.tag == "testsuite" for child in root) and len(root) >= 1
    totals = dict.fromkeys(COUNTS, 0)
    for suite in root:
        assert {"name", "tests"} <= set(suite.attrib) <= SUITE_ATTRS, suite.attrib
        assert suite.get("name").strip()
        assert TIMESTAMP.match(suite.get("timestamp", "")), suite.get("timestamp")
        _number(suite, "time", float)
        tags = [child.tag for child in suite]
        assert tags.count("properties") <= 1 and (tags[0] == "properties" or "properties" not in tags)
        assert set(tags) <= {"properties", "testcase", "system-out", "system-err"}, tags
        for prop in suite.iter("property"):
            assert set(prop.attrib) == {"name", "value"} and len(prop) == 0
        found = dict.fromkeys(COUNTS, 0)
        for case in suite.iter("testcase"):
            assert {"name", "classname"} <= set(case.attrib) <= CASE_ATTRS, case.attrib
            _number(case, "time", float)
            kinds = [child.tag for child in case]
            assert set(kinds) <= {"failure", "error", "skipped", "system-out", "system-err"}, kinds
            assert sum(k in ("failure", "error", "skipped") for k in kinds) <= 1, kinds
            for outcome in case:
                if outcome.tag in ("failure", "error"):
                    assert outcome.get("message") and outcome.get("type"), outcome.attrib
                    assert len(outcome) == 0
            found["tests"] += 1
            found["failures"] += "failure" in kinds
            found["errors"] += "error" in kinds
            found["skipped"] += "skipped" in kinds
        for key in COUNTS:
            assert _number(suite, key, int) in (found[key], None if key != "tests" else found[key]), (key, found)
            totals[key] += found[key]
    for key in COUNTS:
        assert _number(root, key, int) in (totals[key], None), (key, totals)
    return root


def test_the_schema_check_rejects_what_readers_reject():
    good = ('<testsuites><testsuite name="s" tests="1" failures="1" timestamp="2026-01-01T00:00:00">'
            '<testcase name="c" classname="k"><failure message="m" type="t">x</failure></testcase>'
            '</testsuite></testsuites>')
    validate_junit(good)
    for bad in (good.replace('failures="1"', 'failures="0"'),  # a count that does not match
                good.replace(' message="m"', ""),  # a failure without its message
                good.replace('<testcase name="c"', '<testcase'),  # a testcase without a name
                good.replace("<testsuites>", "<suites>").replace("</testsuites>", "</suites>"),
                good.replace("2026-01-01T00:00:00", "yesterday"),
                good[:-5]):  # not well-formed
        with pytest.raises((AssertionError, ET.ParseError)):
            validate_junit(bad)


# --- the reports of a diverged and of a parity check ------------------------------------------------------

def _cases(root):
    return {case.get("name"): case for case in root.iter("testcase")}


def test_a_diverged_check_fails_the_testcase_of_its_first_divergence(cli, tmp_path):
    junit = tmp_path / "report.xml"
    code, out, err = cli("check", KERAS, NUMPY, "--weights", "zeros", "--steps", "2", "--samples", "300",
                         "--junit", junit, "--json", tmp_path / "r.json", "--github")
    assert code == 1, err
    report = json.loads((tmp_path / "r.json").read_text())
    first = report["first_divergence"]
    assert (first["step"], first["quantity"], report["causes"][0]["code"]) == (1, "loss", "l2-convention")
    root = validate_junit(junit.read_text())
    suite = root.find("testsuite")
    assert suite.get("name") == f"parity check {KERAS} {NUMPY}" and float(suite.get("time")) > 0
    cases = _cases(root)
    assert list(cases) == QUANTITIES and {c.get("classname") for c in cases.values()} == {"parity.check"}
    failure = cases["loss"].find("failure")
    assert failure.get("type") == "l2-convention"
    message = failure.get("message")
    assert message.startswith("step 1: loss objective, rel_error ") and "first cause: l2-convention" in message
    assert f"{first['rel_error']:.3g}" in message
    assert "fix: side A: use keras.regularizers.L2(0.0005)" in failure.text  # the cause with its fix
    assert cases["structure"].find("failure") is None
    assert cases["activation"].find("failure") is None  # the input, the only activation an adapter shows
    # the gradient of W2 exceeds its tolerance at step 1 too, the weights from step 2: failures, each marked as
    # coming after the first divergence
    later = {q: cases[q].find("failure") for q in ("gradient", "weight")}
    assert {f.get("type") for f in later.values()} == {"after-first-divergence"}
    assert later["gradient"].get("message").startswith("step 1: gradient")
    assert later["weight"].get("message").startswith("step 2: weight")
    # --github: one error annotation on side A's file, its properties escaped as the workflow commands ask
    lines = [line for line in out.splitlines() if line.startswith("::")]
    assert lines == [line for line in lines if line.startswith(f"::error file={KERAS},title=parity%3A diverged at "
                                                               "step 1 (l2-convention)::DIVERGED at step 1: loss")]
    assert len(lines) == 1 and "%0Afix: side A: use keras.regularizers.L2(0.0005)" in lines[0]


def test_a_parity_check_writes_a_junit_report_without_failures(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")  # annotations turn on by themselves in GitHub Actions
    junit = tmp_path / "report.xml"
    code, out, err = cli("check", f"{KERAS}:build_half", NUMPY, "--steps", "3", "--samples", "300",
                         "--junit", junit, "--json", "-")
    assert code == 0, err
    assert json.loads(out)["status"] == "parity"  # with --json -, annotations go to stderr
    assert "::notice title=parity::PARITY over 3 steps" in err
    root = validate_junit(junit.read_text())
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("5", "0", "0")
    cases = _cases(root)
    assert all(case.find("failure") is None and case.find("skipped") is None for case in cases.values())
    assert "comparisons within tolerance" in cases["gradient"].find("system-out").text


@pytest.mark.parametrize("story", ["story2", "story3"])
def test_a_structural_mismatch_fails_structure_and_skips_the_rest(demo_story, story):
    code, _, _, report, junit = demo_story(story)  # both stories part at step 0 on a layer's shape
    assert code == 1 and report["first_divergence"]["quantity"] == "structure"
    cases = _cases(validate_junit(junit))
    assert cases["structure"].find("failure").get("type") == report["causes"][0]["code"]
    assert cases["structure"].find("failure").get("message").startswith("step 0: structure ")
    assert all(cases[q].find("skipped") is not None for q in QUANTITIES[1:])


def test_junit_to_an_unwritable_path_is_a_usage_error(cli, tmp_path):
    code, _, err = cli("check", NUMPY, NUMPY, "--steps", "1", "--samples", "50",
                       "--junit", tmp_path / "missing" / "r.xml")
    assert code == 2 and "--junit: cannot write" in err and "Traceback" not in err


# --- progress ------------------------------------------------------------------------------------------

def _console(terminal):
    from rich.console import Console

    return Console(file=io.StringIO(), force_terminal=terminal, width=100, color_system=None)


def test_off_a_terminal_only_the_long_phases_print_a_line_with_an_estimate():
    from parity.report.progress import StepProgress

    console = _console(terminal=False)
    with StepProgress(console) as tick:
        for step in range(3):
            tick(step, 2, "training both sides")
        for step in range(3):
            tick(step, 2, "float64 rerun: each side again in float64 to measure float32 noise")
        tick(0, None, "ablation: one rerun per declared difference, at most 120 s")
    lines = console.file.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert re.fullmatch(r"parity: float64 rerun: .* \(about \d+ s for 3 steps at \S+ s a step\)", lines[0])
    assert lines[1] == "parity: ablation: one rerun per declared difference, at most 120 s"


def test_on_a_terminal_the_bar_names_the_phase_and_the_time_left():
    from parity.report.progress import StepProgress

    console = _console(terminal=True)
    with StepProgress(console) as tick:
        tick(0, 4, "training both sides")
        tick(1, 4)
        console.file.seek(0, io.SEEK_END)
        tick(2, 4)
    shown = console.file.getvalue()
    assert "training both sides" in shown and "left" in shown and "/5" in shown


def test_json_on_stdout_stays_pure_through_a_float64_rerun(cli):
    # zero weights: float32 noise at step 1 triggers the float64 rerun, whose progress line goes to stderr
    code, out, err = cli("check", f"{KERAS}:build_half", NUMPY, "--weights", "zeros", "--steps", "2", "--json", "-")
    report = json.loads(out)
    assert code == 0 and report["status"] == "parity"
    assert any("float64" in note for note in report["notes"]), report["notes"]
    assert re.search(r"^parity: float64 rerun: .* \(about \d+ s for 3 steps", err, re.M), err
