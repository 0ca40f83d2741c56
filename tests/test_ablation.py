"""Ablation: align one declared difference at a time, rank them, and find the smallest set that
restores parity (sides run from their descriptions in float64)."""

from conftest import CONFIGS

STORY3 = CONFIGS / "story3"


def test_story3_ablation_names_the_smallest_set_that_restores_parity(check_json):
    code, report = check_json(STORY3 / "keras_model.py", STORY3 / "solver.prototxt", "--steps", "3", "--samples",
                              "64", "--ablate", "--ablate-budget", "300")
    assert code == 1  # the check itself still diverges: the ablation explains it
    ab = report["ablation"]
    assert ab["restores_parity"] and not ab["timed_out"]
    labels = ab["smallest_set"]
    assert any("max_pooling2d pooling stride" in s for s in labels)
    assert any(s.startswith("optimizer, rate, schedule") for s in labels)
    assert "bias lr multiplier" in labels and any(s.startswith("input transform") for s in labels)
    assert not any("decay" in s and not s.startswith("optimizer") for s in labels)  # the solver brings its decay
    # alone, only the stride moves the first divergence off the structure: it ranks first
    assert ab["ranked"][0]["change"].startswith("max_pooling2d pooling stride")
    assert any("PolynomialDecay(0.01, 3000000" in f for f in ab["fixes"])
    assert any("strides=(1, 1)" in f for f in ab["fixes"])


def test_ablation_needs_sides_that_run_from_descriptions(check_json):
    story1 = CONFIGS / "story1"
    code, report = check_json(story1 / "keras_mlp.py", story1 / "numpy_net.py", "--steps", "2", "--ablate")
    assert code == 1 and report["ablation"] is None
    assert any("ablation needs both sides" in n for n in report["notes"])
