"""The MatConvNet dialect: simplenn init files -> neutral descriptions with every MatConvNet default
explicit, the release as a selectable part of the spec, the ops against direct transcriptions of
MatConvNet's CPU loops, and cnn_train's update rule. Real MatConvNet trajectories are in
test_matconvnet_reference.py.
"""

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import parity.dialects.matconvnet.loader as loader
from parity.description.toml_io import dumps, loads
from parity.engines import matconvnet_graph as mg
from parity.engines.factory import make_engine
from parity.errors import SpecError
from parity.frameworks import matconvnet as facts

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = Path(__file__).resolve().parent / "data" / "matconvnet-reference"
STORY2 = ROOT / "configs" / "story2" / "cnn_two_class_init.m"
LENET = Path(__file__).resolve().parent / "data" / "matconvnet" / "lenet_bnorm_init.m"

MINIMAL = """function net = minimal_init()
net.layers = {} ;
net.layers{end+1} = struct('type', 'conv', 'weights', {{0.01*randn(3,3,1,4,'single'), zeros(1,4,'single')}}) ;
net.layers{end+1} = struct('type', 'relu') ;
net.layers{end+1} = struct('type', 'pool', 'method', 'avg', 'pool', 2) ;
net.layers{end+1} = struct('type', 'bnorm', 'weights', {{ones(4,1,'single'), zeros(4,1,'single')}}) ;
net.layers{end+1} = struct('type', 'dropout') ;
net.layers{end+1} = struct('type', 'conv', 'weights', {{0.01*randn(25,25,4,3,'single'), zeros(1,3,'single')}}) ;
net.layers{end+1} = struct('type', 'softmaxloss') ;
net.meta.inputSize = [28 28 1] ;
"""


def write(tmp_path, text, name="spec_init.m"):
    path = tmp_path / name
    path.write_text(text.replace("minimal_init", path.stem))
    return path


def layers_by_name(side):
    return {layer.name: layer for layer in side.description.layers}


def spec_error(path):
    with pytest.raises(SpecError) as info:
        loader.load_m(path)
    return info.value


# Defaults made explicit ------------------------------------------------------------------

def test_every_default_is_explicit_and_sourced(tmp_path):
    side = loader.load_m(write(tmp_path, MINIMAL))
    desc = side.description
    layers = layers_by_name(side)
    assert list(layers) == [f"layer{i}" for i in range(1, 8)]  # vl_simplenn_tidy's names
    conv = layers["layer1"]
    assert conv.attrs["stride"] == (1, 1) and conv.attrs["pad"] == (0, 0) and conv.attrs["dilation"] == (1, 1)
    for key in ("stride", "pad", "dilation", "group", "learningRate", "weightDecay", "name"):
        assert key in conv.defaults, key
    assert "vl_simplenn_tidy.m:82-87" in conv.defaults["stride"]
    assert [(p.lr_mult, p.decay_mult) for p in conv.params] == [(1.0, 1.0), (1.0, 1.0)]  # cnn_train's ones(1, J)
    assert "cnn_train.m:85-86" in conv.defaults["learningRate"]
    assert layers["layer2"].attrs["negative_slope"] == 0.0 and "negative_slope" in layers["layer2"].defaults
    pool = layers["layer3"]
    assert pool.attrs["stride"] == (1, 1) and pool.attrs["method"] == "AVE"  # MatConvNet's pool stride is 1
    assert {"stride", "pad", "round_mode", "padding_excluded"} <= set(pool.defaults)
    assert pool.output_shape == (25, 25, 4)
    bnorm = layers["layer4"]
    assert bnorm.attrs["eps"] == 1e-5 and "vl_simplenn_tidy.m:129-131" in bnorm.defaults["eps"]
    assert bnorm.attrs["moments_rate"] == 1.0  # learningRate defaults to ones(1, 3): the batch moments replace them
    assert [p.role for p in bnorm.params] == ["gamma", "beta", "moments"] and not bnorm.params[2].trainable
    assert [p.decay_mult for p in bnorm.params[:2]] == [1.0, 1.0]  # γ and β decayed unless weightDecay says
    assert layers["layer5"].attrs == {"ratio": 0.5, "active": False, "matconvnet_type": "dropout"}
    assert any("dropout" in note and "identity" in note for note in desc.notes)
    assert layers["layer6"].attrs["fully_connected"] is True
    opt = desc.optimizer
    assert opt.kind == "matconvnet.sgd"
    assert (opt.hyper["learning_rate"], opt.hyper["momentum"], opt.hyper["weight_decay"], opt.hyper["nesterov"]) == (
        0.001, 0.9, 0.0005, False)
    for key in ("learning_rate", "momentum", "weight_decay", "nesterov", "declared_batch_size", "batch_size",
                "version"):
        assert key in opt.defaults, key
    assert opt.hyper["declared_batch_size"] == 256 and opt.hyper["batch_size"] == "full batch"
    assert desc.input_shape == (28, 28, 1) and desc.input.layout == "hwc" and side.input_layout == "hwc"
    assert side.num_classes == 3


def test_reference_basic_reads_as_written():
    side = loader.load_m(REFERENCE / "basic" / "basic_init.m")
    layers = layers_by_name(side)
    assert layers["conv1"].attrs["pad"] == (2, 2) and "pad" not in layers["conv1"].defaults
    assert layers["pool1"].attrs["pad"] == (0, 1, 0, 1)  # asymmetric: [top bottom left right]
    assert layers["pool1"].output_shape == (14, 14, 6)
    assert layers["conv2"].output_shape == (6, 6, 8) and layers["pool2"].output_shape == (3, 3, 8)
    assert layers["relu1"].attrs["negative_slope"] == 0.1
    assert [p.lr_mult for p in layers["fc"].params] == [1.0, 2.0]
    assert [p.decay_mult for p in layers["fc"].params] == [1.0, 1.0] and "weightDecay" in layers["fc"].defaults
    assert side.description.optimizer.hyper["learning_rate"] == 0.05


def test_schedule_and_nesterov_options():
    schedule = loader.load_m(REFERENCE / "schedule" / "schedule_init.m").description.optimizer
    assert schedule.schedule["learning_rate"] == [0.05] * 3 + [0.01] * 3 + [0.002] * 4
    assert schedule.hyper["learning_rate_per_epoch"] == "0.05 ×3, 0.01 ×3, 0.002 ×4 (the last repeats)"
    assert loader.load_m(REFERENCE / "nesterov" / "nesterov_init.m").description.optimizer.hyper["nesterov"] is True


# Grouped convolution ----------------------------------------------------------------------

def test_grouped_convolution_is_inferred_from_the_filter_depth():
    side = loader.load_m(REFERENCE / "groups" / "groups_init.m")
    conv2 = layers_by_name(side)["conv2"]
    assert conv2.attrs["group"] == 2 and conv2.params[0].shape == (3, 3, 4, 12)
    assert "vl_nnconv.cu:309" in conv2.defaults["group"]
    assert any("conv 'conv2'" in n and "2 groups of 6 filters" in n for n in side.description.notes)


def test_story2_ip1_reads_as_two_groups():
    side = loader.load_m(STORY2)
    layers = layers_by_name(side)
    ip1 = layers["ip1"]
    assert ip1.params[0].shape == (1, 1, 256, 256) and layers["pool4"].output_shape == (1, 1, 512)
    assert ip1.attrs["group"] == 2 and ip1.attrs["num_output"] == 256
    assert layers["classifier"].attrs["fully_connected"] and side.num_classes == 2
    opt = side.description.optimizer
    assert opt.schedule["learning_rate"] == [0.01] * 10 + [0.001] * 10 + [0.0001] * 10
    assert (opt.hyper["momentum"], opt.hyper["weight_decay"], opt.hyper["declared_batch_size"]) == (0.9, 0.0005, 256)
    assert all(p.lr_mult == 2.0 for layer in side.description.layers for p in layer.params if p.role == "bias")


def test_filter_depth_that_does_not_divide_is_an_error(tmp_path):
    text = MINIMAL.replace("randn(25,25,4,3", "randn(25,25,3,3")
    assert "does not divide" in str(spec_error(write(tmp_path, text)))


# The release ---------------------------------------------------------------------------------

def test_version_defaults_to_the_last_tagged_release_and_can_be_chosen(tmp_path):
    plain = loader.load_m(write(tmp_path, MINIMAL)).description
    assert plain.optimizer.hyper["version"] == "v1.0-beta25" and "version" in plain.optimizer.defaults
    assert plain.layers[-1].attrs["reduction"] == "sum over pixels and images"
    chosen = loader.load_m(write(tmp_path, "% parity: version=master\n" + MINIMAL, "m_init.m")).description
    assert chosen.optimizer.hyper["version"] == "master" and "version" not in chosen.optimizer.defaults
    assert chosen.layers[-1].attrs["reduction"] == "sum over pixels, mean over images"
    assert chosen.optimizer.hyper["gradient_scale"].startswith("1/numWorkers")
    error = spec_error(write(tmp_path, MINIMAL + "% parity: version=beta99\n", "bad_init.m"))
    assert "beta99" in str(error) and error.line == MINIMAL.count("\n") + 1


def test_parity_show_names_the_release(tmp_path):
    from parity.cli import main

    for text, expected in ((MINIMAL, "version=v1.0-beta25 (default)"),
                           ("% parity: version=master\n" + MINIMAL, "version=master,")):
        result = CliRunner().invoke(main, ["show", str(write(tmp_path, text))], env={"COLUMNS": "400"})
        assert result.exit_code == 0, result.output
        assert expected in result.output


def test_init_options_come_from_the_parity_comment(tmp_path):
    text = "% parity: batchNormalization=true\n" + LENET.read_text().replace("lenet_bnorm_init", "opt_init")
    plain = loader.load_m(write(tmp_path, LENET.read_text().replace("lenet_bnorm_init", "off_init")
                                .replace("opts.batchNormalization = true", "opts.batchNormalization = false"),
                                "off_init.m"))
    assert not any(layer.kind == "batchnorm" for layer in plain.description.layers)
    side = loader.load_m(write(tmp_path, text, "opt_init.m"))
    layers = side.description.layers
    bnorms = [layer for layer in layers if layer.kind == "batchnorm"]
    assert len(bnorms) == 3 and bnorms[0].attrs["moments_rate"] == 0.05
    assert [p.decay_mult for p in bnorms[0].params[:2]] == [0.0, 0.0]
    assert layers[0].attrs["bias_term"] is False and len(layers[0].params) == 1  # the bnorm took over the bias


# Files parity cannot read ---------------------------------------------------------------------

@pytest.mark.parametrize("body, words", [
    ("net = dagnn.DagNN() ;\n", ["dagnn"]),
    ("net.layers = {} ;\nnet.layers{end+1} = struct('name', 'c', 'type', 'custom') ;\n", ["'custom'", "not emulate"]),
    ("net.layers = {} ;\nnet.layers{end+1} = struct('type', 'pool', 'pool', 2) ;\n"
     "net.layers{end+1} = struct('type', 'softmaxloss') ;\n", ["method", "vl_simplenn"]),
    ("net.layers = {} ;\nnet.layers{end+1} = struct('type', 'softmaxloss') ;\n"
     "net.layers{end+1} = struct('type', 'relu') ;\n", ["last layer"]),
    ("net.meta.inputSize = [28 28 1] ;\n", ["simplenn net", "layers"]),
])
def test_other_styles_are_refused_by_name(tmp_path, body, words):
    error = spec_error(write(tmp_path, "function net = minimal_init()\n" + body))
    for word in words:
        assert word in str(error)
    assert error.path is not None


def test_refusal_points_at_the_layer_line(tmp_path):
    text = "function net = minimal_init()\nnet.layers = {} ;\n\nnet.layers{end+1} = struct('type', 'convt') ;\n"
    error = spec_error(write(tmp_path, text))
    assert error.line == 4 and "'convt'" in str(error)


def test_missing_input_size_takes_the_samples_shape(tmp_path):
    side = loader.load_m(write(tmp_path, MINIMAL.replace("net.meta.inputSize = [28 28 1] ;\n", "")))
    assert side.rebind is not None and side.description.input_shape == (28, 28, 1)
    assert side.rebind((28, 28)).description.input_shape == (28, 28, 1)


def test_description_round_trips_through_toml(tmp_path):
    desc = loader.load_m(REFERENCE / "groups" / "groups_init.m").description
    again = loads(dumps(desc), "x.toml")
    assert again.optimizer.hyper == desc.optimizer.hyper
    from parity.engines.graph_engine import GraphEngine

    rng = np.random.default_rng(0)
    x, y = rng.random((4, 28, 28, 1)), np.array([0, 1, 2, 3])
    one, two = GraphEngine(desc, "A", "float64"), GraphEngine(again, "B", "float64")
    two.set_state(one.get_state())
    assert one.evaluate(x, y).loss_total == pytest.approx(two.evaluate(x, y).loss_total, rel=1e-12)


# Ops against MatConvNet's CPU loops -------------------------------------------------------------

def mcn_conv(x, f, b, stride, pad4, dilate):
    """vl_nnconv by definition (cross-correlation, zero pad [t b l r], groups from the depth)."""
    n, h, w, c = x.shape
    fh, fw, depth, k = f.shape
    groups = c // depth
    xp = np.pad(x, [(0, 0), pad4[:2], pad4[2:], (0, 0)])
    oh = (xp.shape[1] - ((fh - 1) * dilate[0] + 1)) // stride[0] + 1
    ow = (xp.shape[2] - ((fw - 1) * dilate[1] + 1)) // stride[1] + 1
    y = np.zeros((n, oh, ow, k))
    for kk in range(k):
        g = kk // (k // groups)
        for i in range(oh):
            for j in range(ow):
                patch = xp[:, i * stride[0]: i * stride[0] + (fh - 1) * dilate[0] + 1: dilate[0],
                           j * stride[1]: j * stride[1] + (fw - 1) * dilate[1] + 1: dilate[1],
                           g * depth:(g + 1) * depth]
                y[:, i, j, kk] = np.tensordot(patch, f[..., kk], axes=3) + b[kk]
    return y


def mcn_pool(x, method, kernel, stride, pad4):
    """nnpooling.cu's CPU loop: windows clipped to the image."""
    n, h, w, c = x.shape
    oh = (h + pad4[0] + pad4[1] - kernel[0]) // stride[0] + 1
    ow = (w + pad4[2] + pad4[3] - kernel[1]) // stride[1] + 1
    y = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            y1, x1 = i * stride[0] - pad4[0], j * stride[1] - pad4[2]
            window = x[:, max(y1, 0):min(y1 + kernel[0], h), max(x1, 0):min(x1 + kernel[1], w)]
            y[:, i, j] = window.max(axis=(1, 2)) if method == "MAX" else window.mean(axis=(1, 2))
    return y


def test_conv_with_groups_dilation_stride_and_asymmetric_pad():
    rng = np.random.default_rng(1)
    x, f, b = rng.normal(size=(2, 11, 9, 6)), rng.normal(size=(3, 2, 3, 4)), rng.normal(size=4)
    for stride, pad4, dilate in (((2, 1), (1, 0, 2, 1), (2, 3)), ((1, 1), (0, 0, 0, 0), (1, 1)),
                                 ((3, 2), (2, 2, 0, 1), (1, 1))):
        actual = mg.conv(mg.tf.constant(x), mg.tf.constant(f), mg.tf.constant(b), stride, pad4, dilate, 2).numpy()
        np.testing.assert_allclose(actual, mcn_conv(x, f, b, stride, pad4, dilate), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("method", ["MAX", "AVE"])
def test_pool_clips_windows_to_the_image(method):
    x = np.random.default_rng(2).normal(size=(2, 7, 8, 3))
    for kernel, stride, pad4 in (((3, 3), (2, 2), (0, 1, 0, 1)), ((2, 3), (1, 2), (1, 1, 2, 0)),
                                 ((3, 2), (3, 1), (2, 0, 1, 1))):
        actual = mg.pool(mg.tf.constant(x), method, kernel, stride, pad4).numpy()
        np.testing.assert_allclose(actual, mcn_pool(x, method, kernel, stride, pad4), rtol=1e-12)


def test_lrn_window_matches_vl_nnnormalize():
    x = np.random.default_rng(3).normal(size=(2, 3, 3, 7))
    for size in (4, 5):
        m1, m2 = (size - 1) // 2, size - 1 - (size - 1) // 2
        expected = np.empty_like(x)
        for k in range(7):
            acc = (x[..., max(0, k - m1):min(7, k + m2 + 1)] ** 2).sum(-1)
            expected[..., k] = x[..., k] * (2.0 + 1e-3 * acc) ** -0.75
        np.testing.assert_allclose(mg.lrn(mg.tf.constant(x), size, 2.0, 1e-3, 0.75).numpy(), expected, rtol=1e-12)


def test_leaky_relu_value_and_derivative_at_zero():
    tf = mg.tf
    x = tf.constant([-2.0, 0.0, 3.0], tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = mg.relu(x, 0.1)
    np.testing.assert_allclose(y.numpy(), [-0.2, 0.0, 3.0])
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [0.1, 0.1, 1.0])  # vl_nnrelu: leak at x = 0


def test_batch_norm_uses_batch_moments_and_updates_the_stored_ones(tmp_path):
    side = loader.load_m(write(tmp_path, BNORM_NET))
    engine = make_engine(side, "A", "float64")
    x = np.random.default_rng(4).random((5, 8, 8, 1))
    bn = next(layer for layer in side.description.layers if layer.kind == "batchnorm")
    before = engine.get_state()[f"{bn.name}/2"].copy()
    blobs = engine.blobs(x, np.array([0, 1, 0, 1, 0]))
    conv_out = blobs[side.description.layers[0].outputs[0]]
    mean, var = conv_out.mean(axis=(0, 1, 2)), conv_out.var(axis=(0, 1, 2))
    np.testing.assert_allclose(blobs[bn.outputs[0]], (conv_out - mean) / np.sqrt(var + 1e-5), rtol=1e-9, atol=1e-12)
    engine.evaluate(x, np.array([0, 1, 0, 1, 0]))
    after = engine.get_state()[f"{bn.name}/2"]
    expected = 0.95 * before + 0.05 * np.stack([mean, np.sqrt(var + 1e-5)], axis=1)
    np.testing.assert_allclose(after, expected, rtol=1e-9)


BNORM_NET = """function net = minimal_init()
net.layers = {} ;
net.layers{end+1} = struct('name', 'c1', 'type', 'conv', 'weights', {{0.5*randn(3,3,1,2,'single'), []}}) ;
net.layers{end+1} = struct('name', 'bn', 'type', 'bnorm', 'weights', {{ones(2,1,'single'), zeros(2,1,'single')}}, ...
                           'learningRate', [1 1 0.05], 'weightDecay', [0 0]) ;
net.layers{end+1} = struct('name', 'fc', 'type', 'conv', ...
                           'weights', {{0.1*randn(6,6,2,2,'single'), zeros(1,2,'single')}}) ;
net.layers{end+1} = struct('name', 'loss', 'type', 'loss') ;
net.meta.inputSize = [8 8 1] ;
"""


def test_loss_is_the_summed_log_loss_over_n_with_zero_based_labels():
    x = np.random.default_rng(5).normal(size=(3, 2, 2, 4))
    labels = np.array([0, 3, 1])
    t = np.log(np.exp(x).sum(-1)) - np.take_along_axis(x, labels[:, None, None, None], axis=3)[..., 0]
    value = mg.softmax_log_loss(mg.tf.constant(x), mg.tf.constant(labels.astype(float))).numpy()
    assert value == pytest.approx(t.sum() / 3, rel=1e-12)  # summed over pixels, divided by the images


# cnn_train's update ------------------------------------------------------------------------------

def run_solver(solver, w0, grads, rates):
    tf = mg.tf
    w = [tf.Variable(np.array(v, dtype=np.float64)) for v in w0]
    solver.build(w)
    for step, (g, rate) in enumerate(zip(grads, rates)):
        solver.apply(w, [tf.constant(np.array(v, dtype=np.float64)) for v in g], tf.constant(rate, tf.float64), step)
    return [v.numpy() for v in w]


def test_update_rule_is_cnn_trains():
    mu, lam, w, v = 0.9, 0.01, np.array([1.0, -2.0]), np.zeros(2)
    grads, rates = [np.array([0.5, 0.25]), np.array([-0.1, 0.3])], [0.1, 0.02]
    for nesterov in (False, True):
        ww, vv = w.copy(), v.copy()
        for g, lr in zip(grads, rates):
            step = g + lam * 2.0 * ww  # weightDecay(j) = 2
            vv = mu * vv - step
            ww = ww + lr * 3.0 * ((mu * vv - step) if nesterov else vv)  # learningRate(j) = 3
        solver = mg.CnnTrainSGD(mu, nesterov, [3.0], [lam * 2.0], "float64")
        np.testing.assert_allclose(run_solver(solver, [w], [[g] for g in grads], rates)[0], ww, rtol=1e-14)


def test_no_update_when_rate_and_decay_are_zero():
    solver = mg.CnnTrainSGD(0.9, False, [0.0, 1.0], [0.0, 0.0], "float64")
    out = run_solver(solver, [[1.0], [1.0]], [[[5.0], [5.0]]], [0.1])
    assert out[0][0] == 1.0 and out[1][0] == pytest.approx(0.5)
    assert solver.velocity[0].numpy()[0] == 0.0  # thisLR = thisDecay = 0: the velocity is not touched either


def test_rates_follow_the_epoch_array_and_sgd_option():
    desc = loader.load_m(REFERENCE / "schedule" / "schedule_init.m").description
    _, rate = mg.matconvnet_solver(desc, [], "float64")
    assert [rate(i) for i in range(12)] == [0.05] * 3 + [0.01] * 3 + [0.002] * 6  # the last entry repeats
    plain, rate = mg.matconvnet_solver(desc, [None, None], "float64", sgd_lr=0.3)
    assert rate(7) == 0.3 and plain.momentum == 0.0 and plain.lr_mults == [1.0, 1.0] and plain.decays == [0.0, 0.0]


def test_facts_cite_both_snapshots():
    assert facts.DEFAULT_VERSION.value == "v1.0-beta25"
    assert set(facts.GRADIENT_SCALE) == set(facts.VERSIONS) == set(facts.OBJECTIVE)
    assert "@v1.0-beta25" in facts.GRADIENT_SCALE["v1.0-beta25"].source
    assert "@master" in facts.GRADIENT_SCALE["master"].source
