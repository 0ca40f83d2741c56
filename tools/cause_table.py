"""Write docs/causes.md, the table of cause codes, from the registry (parity/diagnose/causes/).

    python tools/cause_table.py            # rewrite docs/causes.md
    python tools/cause_table.py --check    # exit 1 when docs/causes.md is not what the registry gives

tests/test_causes.py checks the file against the registry, so a new or changed code fails the suite
until this is run again.
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "causes.md"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def render():
    from parity.diagnose import causes

    lines = ["# Cause codes", "",
             "The causes `parity check` names (`causes[].code` in the JSON report), generated from the registry in",
             "`parity/diagnose/causes/` by `python tools/cause_table.py`: do not edit by hand.",
             "`parity explain CODE` prints a code's meaning, signature, an example and the fix in Keras, PyTorch,",
             "Caffe, MatConvNet and NumPy terms.", "",
             "| cause | summary | signature parity looks for |", "|---|---|---|"]
    for code in causes.codes():
        entry = causes.info(code)
        signature = entry.signature if entry.detected else f"*no signature yet*: {entry.signature}"
        lines.append(f"| `{code}` | {_cell(entry.summary)} | {_cell(signature)} |")
    return "\n".join(lines) + "\n"


def _cell(text):
    return text.replace("|", "\\|")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = OUT.read_text() if OUT.is_file() else ""
        if current != text:
            print(f"{OUT.relative_to(ROOT)} is out of date: run python tools/cause_table.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text)
    from parity.diagnose import causes

    print(f"wrote {OUT.relative_to(ROOT)} ({len(causes.codes())} codes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
