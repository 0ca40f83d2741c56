"""Story 3: a Keras model that trains and its Caffe port stuck near ln(11)."""

from conftest import CONFIGS

STORY3 = CONFIGS / "story3"
KERAS, CAFFE = STORY3 / "keras_model.py", STORY3 / "solver.prototxt"


def test_story3_lists_the_differences_and_stops_at_the_pooling_layer(demo_story):
    code, _, _, report, _ = demo_story("story3")  # 5 steps, as make demo runs it
    assert code == 1
    causes = {d["cause"] for d in report["spec_differences"]}
    assert {"pool-stride", "optimizer", "lr-schedule", "input-scale", "lr-multiplier", "bias-decay",
            "init"} <= causes
    first = report["first_divergence"]
    assert (first["step"], first["quantity"], first["layer_a"], first["layer_b"]) == (
        0, "structure", "max_pooling2d", "pool1")
    cause = report["causes"][0]
    assert cause["code"] == "pool-stride"
    assert "stride 2×2" in cause["message"] and "stride 1×1" in cause["message"]
    assert "strides=(1, 1)" in cause["fix"] and "10×5×32" in cause["evidence"] and "19×10×32" in cause["evidence"]


def test_with_the_keras_stride_fixed_the_next_cause_is_the_input_scale(check_json):
    code, report = check_json(f"{KERAS}:build_stride1", CAFFE, "--steps", "2")
    assert code == 1
    assert report["first_divergence"]["step"] == 0
    assert report["causes"][0]["code"] == "input-scale"
    assert "A sees [0, 1], B sees [0, 255]" in report["causes"][0]["message"]


def test_with_the_input_aligned_the_optimizer_parts_them_at_the_first_update(check_json):
    code, report = check_json(f"{KERAS}:build_stride1", CAFFE, "--steps", "2", "--b-input", "unit")
    assert code == 1
    first = report["first_divergence"]
    assert (first["step"], first["quantity"]) == (1, "weight")
    assert report["causes"][0]["code"] == "optimizer"
    assert "adadelta" in report["causes"][0]["message"] and "sgd" in report["causes"][0]["message"]
