"""The shape of parity's import graph, held at the figures of the architecture issue: no import cycles
(imports inside functions and package __init__ loops included), no imports between dialects and engines,
no private name of one package used from another. tools/architecture.py measures it."""

import importlib.util
from pathlib import Path

TOOL = Path(__file__).resolve().parents[1] / "tools" / "architecture.py"


def _measure():
    spec = importlib.util.spec_from_file_location("architecture_tool", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.measure()


def test_no_import_cycles_no_dialect_engine_imports_no_private_names_across_packages():
    cycles, crossing, private = _measure()
    assert cycles == [], f"import cycles: {cycles}"
    assert crossing == [], f"imports between dialects and engines: {crossing}"
    assert private == [], f"private names used across packages: {private}"


def test_the_measure_sees_what_it_counts(tmp_path):
    """The tool finds a cycle, a crossing and a private use when they are there (on a planted tree)."""
    spec = importlib.util.spec_from_file_location("architecture_tool_planted", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    root = tmp_path / "parity"
    for folder in ("dialects", "engines", "trace"):
        (root / folder).mkdir(parents=True)
        (root / folder / "__init__.py").write_text("")
    (root / "__init__.py").write_text("")
    (root / "dialects" / "a.py").write_text("def f():\n    from ..engines import b\n")
    (root / "engines" / "b.py").write_text("from ..dialects.a import f\n")
    (root / "trace" / "c.py").write_text("from ..engines.b import _hidden\n")
    module.ROOT = root
    cycles, crossing, private = module.measure()
    assert cycles == [["parity.dialects.a", "parity.engines.b"]]
    assert len(crossing) == 2
    assert [(m, n) for m, _, n, _ in private] == [("parity.trace.c", "_hidden")]
