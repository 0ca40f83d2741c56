"""The console report of the three stories, as `make demo` shows them, against golden files.

Rendered as a pipe gets it: 120 columns, no colour. `pytest tests/test_golden.py --update-golden`
rewrites tests/golden/*.txt from the current output; review the change with `git diff tests/golden`
before committing it. The repository's absolute path (in notes such as where a Caffe solver's net was
found) is written as <root>, so the files do not depend on where the checkout lives.
"""

import re

import pytest
from conftest import DEMO, GOLDEN, ROOT


def _normalised(text):
    return text.replace(str(ROOT), "<root>")


@pytest.mark.parametrize("name", sorted(DEMO))
def test_console_report_matches_the_golden_file(name, demo_story, request):
    code, out, err, report, _ = demo_story(name)
    assert code == 1 and report["status"] == "diverged"
    # off a terminal, stderr holds only the progress lines of long phases (the float64 rerun)
    assert all(line.startswith("parity: ") for line in err.splitlines()), err
    assert "\x1b[" not in out  # no colour codes when the output is not a terminal
    assert max(len(line) for line in out.splitlines()) <= 120
    golden = GOLDEN / f"{name}.txt"
    if request.config.getoption("--update-golden"):
        golden.write_text(_normalised(out))
    assert golden.exists(), f"{golden} is missing: run pytest {__file__} --update-golden and review it"
    assert _normalised(out) == golden.read_text()


def test_the_golden_stories_are_the_ones_make_demo_runs():
    """The Makefile's demo target and DEMO must not drift apart."""
    makefile = (ROOT / "Makefile").read_text()
    demo = re.search(r"^demo:.*?\n((?:\t.*\n)+)", makefile, re.M).group(1)
    demo = demo.replace("\\\n", " ").replace("$(STORY1)", "configs/story1")
    commands = [" ".join(line.split("check", 1)[1].split(";")[0].split()) for line in demo.splitlines()
                if "$(PARITY) check" in line]
    for name, args in DEMO.items():
        assert " ".join(args) in commands, (name, commands)
