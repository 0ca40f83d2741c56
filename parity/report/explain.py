"""`parity explain [CODE]` as text: pure functions from the cause registry to lines. No TensorFlow."""

import textwrap

from ..diagnose import causes

WIDTH = 100
PENDING = "no signature yet"


def listing():
    """Every cause code with its one-line summary; codes parity cannot name yet are marked."""
    width = max(len(c) for c in causes.codes())
    lines = []
    for code in causes.codes():
        entry = causes.info(code)
        mark = "" if entry.detected else f"  [{PENDING}]"
        lines.append(f"{code:<{width}}  {entry.summary}{mark}")
    lines.append("")
    lines.append("parity explain CODE: what it means, the signature parity looks for, and the fix in each framework.")
    return "\n".join(lines)


def explain(code):
    """One code in full; an unknown code raises causes.UnknownCause (exit 2) listing the known ones."""
    entry = causes.info(code)
    out = [f"{entry.code}: {entry.summary}", ""]
    out += _section("What it means", entry.meaning)
    signature = entry.signature if entry.detected else f"({PENDING}: parity does not name this cause yet) " \
                                                       f"{entry.signature}"
    out += _section("Signature parity looks for", signature)
    out += _section("Example", entry.example)
    out.append("Fix:")
    for framework, text in causes.example_fixes(code):
        name = "Any framework" if framework == causes.ANY else causes.NAMES[framework]
        out += _wrapped(text, f"  {name}: ", "      ")
    if entry.facts:
        out += ["", "Framework facts (parity/frameworks/):"]
        for framework, fact in entry.facts:
            out += _wrapped(f"{_value(fact.value)} — {fact.source}", f"  {causes.NAMES[framework]}: ", "      ")
    return "\n".join(out)


def _section(title, text):
    return [f"{title}:"] + _wrapped(text, "  ", "  ") + [""]


def _wrapped(text, first, rest):
    return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False) or [first]


def _value(value):
    if isinstance(value, bool):  # a yes/no fact says itself in its quote
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, (tuple, list)):
        return ", ".join(map(str, value))
    return str(value)
