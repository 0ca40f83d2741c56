"""A Keras side run data-parallel under tf.distribute.MirroredStrategy on 2 logical CPU devices (the test
process splits the CPU in conftest, as `parity check --b-replicas 2` does before loading specs) against the
same model on one device."""

from conftest import CONFIGS

MLP = CONFIGS / "distributed" / "keras_mlp.py"
CNN = CONFIGS / "distributed" / "keras_cnn_bn.py"


def test_keras_mlp_on_two_replicas_is_parity_over_ten_steps(check_json):
    code, report = check_json(MLP, MLP, "--b-replicas", "2", "--samples", "32", "--steps", "10")
    assert code == 0, report
    assert report["status"] == "parity" and report["steps_run"] == 10
    notes = " ".join(report.get("notes", []))
    assert "side B ran data-parallel on 2 replicas, 16 samples each" in notes and "dropout is off" in notes


def test_keras_summed_loss_on_two_replicas_is_parity(check_json):
    # Keras scales only mean-reduced losses by 1/replicas (keras/src/losses/loss.py:160) and sums the replicas'
    # gradients: a summed loss is the same objective on 2 replicas as on one, unlike under PyTorch's DDP.
    spec = f"{MLP}:build_summed"
    code, report = check_json(spec, spec, "--a-replicas", "2", "--samples", "32", "--steps", "2")
    assert code == 0, report


def test_keras_batchnorm_per_replica_is_batchnorm_sync_naming_the_layer(check_json):
    code, report = check_json(CNN, CNN, "--b-replicas", "2", "--samples", "16", "--steps", "1")
    assert code == 1
    first = report["first_divergence"]
    assert (first["step"], first["quantity"]) == (0, "activation")
    cause = report["causes"][0]
    assert cause["code"] == "batchnorm-sync" and cause["layer_a"] == "bn" and cause["layer_b"] == "bn"
    assert "synchronized=True" in cause["fix"]


def test_keras_synchronized_batchnorm_on_two_replicas_is_parity(check_json):
    # the conv bias before the batch norm has a true gradient of zero: its float32 rounding noise is measured
    # by the float64 rerun (parity then names dtype), never by a widened tolerance
    spec = f"{CNN}:build_synchronized"
    code, report = check_json(spec, spec, "--b-replicas", "2", "--samples", "16", "--steps", "1")
    assert code == 0, report
    assert report["causes"] == [] or [c["code"] for c in report["causes"]] == ["dtype"]


def test_replicas_that_do_not_divide_the_samples_are_a_usage_error(cli):
    code, out, err = cli("check", MLP, MLP, "--b-replicas", "3", "--samples", "32", "--steps", "1")
    assert code == 2
    assert "--b-replicas 3" in err and "multiple of 3" in err


def test_replicas_on_an_engine_without_data_parallelism_are_a_usage_error(cli):
    numpy_net = CONFIGS / "story1" / "numpy_net.py"
    code, out, err = cli("check", MLP, numpy_net, "--b-replicas", "2", "--samples", "32", "--steps", "1",
                         "--optimizer", "sgd")
    assert code == 2
    assert "--b-replicas 2" in err and "no data-parallel mode" in err
