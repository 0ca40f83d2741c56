"""The README's first screen and every command it and the reference pages show.

Every `parity ...` line in a code block of README.md and docs/*.md must parse as the CLI parses it
(each option known, each value of its type) and name files that exist. The README's own commands
run in full: `show`, `diff-spec` and `explain` here; its `check` commands are the stories `make demo`
runs (the session's demo_story runs), or else run from their starting state (`--steps 0`: loading,
spec options, synced weights and the step-0 comparison), with report paths sent to a temporary
folder. The output the README quotes is the golden console file's, line for line.
"""

import re
import shlex

import click
import pytest
from conftest import DEMO, GOLDEN, ROOT

README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
REFERENCE = ("commands", "specs", "comparison", "dialects", "traces", "ci", "development")  # linked from README
BLOCK = re.compile(r"^```[a-z]*\n(.*?)^```", re.M | re.S)


def _commands(path):
    """[(line, argv)] of the `parity ...` lines in the page's code blocks ($ prompts and # comments off)."""
    found = []
    for block in BLOCK.findall(path.read_text()):
        for line in block.replace("\\\n", " ").splitlines():  # a trailing backslash continues the line
            line = line.strip().removeprefix("$ ")
            if line.startswith("parity "):
                found.append((line, shlex.split(line, comments=True)[1:]))
    return found


def _parse(argv):
    """The subcommand and its parameters, as click would hand them to it; a usage error fails."""
    from parity.cli import main

    name, *rest = argv
    command = main.commands[name]
    with command.make_context(name, list(rest)) as ctx:
        return name, ctx.params


ALL = [(page, line, argv) for page in PAGES for line, argv in _commands(page)]


def test_the_pages_show_commands():
    assert len(_commands(README)) >= 5
    assert {page.name for page, _, _ in ALL} >= {"README.md", "ci.md", "specs.md", "development.md"}


@pytest.mark.parametrize("page, line, argv", ALL, ids=[f"{p.name}:{a[0]}:{i}" for i, (p, _, a) in enumerate(ALL)])
def test_every_command_shown_parses_and_names_existing_files(page, line, argv):
    try:
        name, params = _parse(argv)
    except click.ClickException as err:
        pytest.fail(f"{page.name}: `{line}` does not parse: {err.format_message()}")
    for key in ("spec", "spec_a", "spec_b", "data", "trace_a", "trace_b"):
        value = params.get(key)
        if value and not value.startswith("random") and not value.endswith(".h5"):  # traces are made by a run
            path = value.rpartition(":")[0] if ".py:" in value else value
            assert (ROOT / path).exists(), f"{page.name}: `{line}` names {value}, which does not exist"


def test_the_first_screen_holds_the_commands_the_answer_and_a_real_output():
    screen = "\n".join(README.read_text().splitlines()[:60])
    assert "make demo" in screen and "make test" in screen
    assert "first step and layer where they diverge" in screen and "PARITY" in screen
    for command in ("parity check", "parity show", "parity diff-spec"):
        assert f"\n{command} " in screen or f"$ {command} " in screen, command
    assert "docs/causes.md" in README.read_text()


def test_the_output_quoted_is_the_golden_console_report():
    block = next(b for b in BLOCK.findall(README.read_text()) if b.startswith("$ parity check"))
    command, *shown = block.splitlines()
    assert tuple(shlex.split(command)[3:]) == DEMO["story1"]  # the story make demo runs
    golden = [line.rstrip() for line in (GOLDEN / "story1.txt").read_text().splitlines()]
    position = 0
    for line in shown:
        if line == "...":
            continue
        assert line in golden[position:], f"not in tests/golden/story1.txt (in order): {line!r}"
        position = golden.index(line, position) + 1


def _run_in_root(monkeypatch, cli, argv):
    monkeypatch.chdir(ROOT)
    return cli(*argv)


@pytest.mark.parametrize("line, argv", _commands(README), ids=[a[0] for _, a in _commands(README)])
def test_every_readme_command_runs(line, argv, cli, demo_story, monkeypatch, tmp_path):
    name, params = _parse(argv)
    if name == "check":
        demo = next((story for story, args in DEMO.items() if tuple(argv[1:]) == args), None)
        if demo is not None:
            code = demo_story(demo)[0]
        else:
            argv = [str(tmp_path / "report") if prev in ("--junit", "--json", "--plot", "--html") else arg
                    for prev, arg in zip([None, *argv], argv)]
            code, _, err = _run_in_root(monkeypatch, cli, [*argv, "--steps", "0"])
            assert "Traceback" not in err
        assert code in (0, 1), line  # a verdict, not a usage or internal error
        return
    code, out, err = _run_in_root(monkeypatch, cli, argv)
    assert code in ((0, 1) if name == "diff-spec" else (0,)), f"`{line}` exited {code}: {err}"
    assert out.strip()


def test_every_file_the_pages_name_exists():
    named = re.compile(r"`((?:parity|tests|configs|tools|bench|docs|data)/[^`\s:]*)")
    pages = [README, *(ROOT / "docs" / f"{name}.md" for name in REFERENCE)]
    for page in pages:  # the README and the reference pages it moved to docs/ (others keep their own)
        for path in named.findall(page.read_text()):
            assert (ROOT / path).exists(), f"{page.name} names {path}, which does not exist"
