"""A bounded, seeded subset of the generated planted pairs (tools/generate_pairs.py; `make generated`
runs all of them): each planted cause is ranked first, each equivalent pair is parity.

The pairs are drawn over sizes, activations, losses, λ, rates and starting weights, across
Keras/NumPy (with and without grads()), Keras/Caffe and Keras/MatConvNet: settings the zoo's
readable examples were not built on.
"""

import importlib.util
import sys
import tempfile

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
_spec = importlib.util.spec_from_file_location("parity_generate_pairs", ROOT / "tools" / "generate_pairs.py")
generated = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generated)

SIZE = 10  # about 60-80 s on two cores

with tempfile.TemporaryDirectory() as _folder:
    NAMES = [p.name for p in generated.subset(generated.generate(_folder), SIZE)]


@pytest.fixture(scope="module")
def pairs(tmp_path_factory):
    return {p.name: p for p in generated.generate(tmp_path_factory.mktemp("pairs"))}


def test_the_suite_has_the_mix_the_issue_asks_for(tmp_path):
    all_pairs = generated.generate(tmp_path)
    assert len(all_pairs) >= 100
    numpy = [p for p in all_pairs if p.family == "numpy"]
    assert sum(p.grads is False for p in numpy) >= len(all_pairs) / 3
    assert sum(len(p.expected) == 2 for p in all_pairs) >= 10
    assert {p.family for p in all_pairs} == {"numpy", "caffe", "matconvnet"}
    assert sum(not p.expected for p in all_pairs) >= 10
    again = generated.generate(tmp_path / "again")
    assert [(p.name, p.expected, p.setting) for p in again] == [(p.name, p.expected, p.setting) for p in all_pairs]


@pytest.mark.parametrize("name", NAMES)
def test_generated_pair(pairs, name):
    score = generated.run(pairs[name])
    assert score.ok, (f"{name} (expected {', '.join(score.pair.expected) or 'parity'}; setting "
                      f"{score.pair.setting}): status {score.status}, causes {score.codes}")
