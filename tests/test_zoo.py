"""The zoo (configs/zoo/zoo.toml): every planted cause is ranked first, every equivalent pair is parity.

Each pair runs in-process through tools/zoo.py (as `make zoo` does). Pairs the manifest marks
`xfail` are known gaps in the diagnosis: they must still fail (strict), so that fixing one shows
up here and the mark is removed.
"""

import importlib.util

import pytest
from conftest import ROOT

_spec = importlib.util.spec_from_file_location("parity_zoo_tool", ROOT / "tools" / "zoo.py")
zoo = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(zoo)

PAIRS = zoo.load_manifest()


def _param(pair):
    marks = [pytest.mark.xfail(strict=True, reason=pair.xfail)] if pair.xfail else []
    return pytest.param(pair, id=pair.name, marks=marks)


def test_manifest_names_existing_specs_and_known_codes():
    from parity.diagnose import causes

    codes = set(causes.codes())  # the registry; load_manifest rejects any other expected code
    for pair in PAIRS:
        assert pair.expected in codes | {"parity"}, pair.name
        for spec in (pair.a, pair.b):
            assert (ROOT / spec.partition(":")[0]).is_file(), f"{pair.name}: {spec}"
    assert sum(p.expected == "parity" for p in PAIRS) >= 10
    required = {c for c in codes if causes.info(c).detected}  # init: `check` cannot produce it (same weights)
    assert required <= {p.expected for p in PAIRS}


@pytest.mark.parametrize("pair", [_param(p) for p in PAIRS])
def test_zoo_pair(pair):
    outcome = zoo.run_pair(pair)
    assert outcome.rank == 1, f"{pair.name}: expected {pair.expected} first; {zoo.describe_miss(outcome)}"
