"""Count the facts in parity/frameworks/ that no other module of parity/ reads.

    python tools/framework_facts.py [--verbose]

A fact is a module-level name of parity/frameworks/<fw>.py (a Fact, a table of them, a constant). It is
"read" when its name appears in another module under parity/ (the cause registry, a dialect, an engine)
or more than once in its own module. Facts no code reads belong in docs/framework-facts.md, with their
sources, not in code. Exit 0 always: this is a measure, not a gate.
"""

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "parity"


def unread():
    sources = {p: p.read_text() for p in ROOT.rglob("*.py")}
    total, out = 0, []
    for path in sorted((ROOT / "frameworks").glob("*.py")):
        if path.name == "__init__.py":
            continue
        for node in ast.parse(sources[path]).body:
            if not (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)):
                continue
            name = node.targets[0].id
            total += 1
            word = re.compile(rf"\b{re.escape(name)}\b")
            own = len(word.findall(sources[path]))
            others = sum(len(word.findall(text)) for p, text in sources.items() if p != path)
            if own == 1 and others == 0:
                out.append(f"{path.stem}.{name}")
    return total, out


def main(argv):
    total, names = unread()
    print(f"facts read by nothing: {len(names)} of {total} names in parity/frameworks/")
    if "--verbose" in argv:
        for name in names:
            print(f"  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
