"""parity.engines.caffe_ops against real Caffe (BVLC/caffe 9b89154, CPU, float32).

Ground truth: tests/data/caffe-reference/<case>/{net.prototxt,trajectory.npz}. Each layer
group (a layer plus the in-place layers that follow it) is fed Caffe's own bottom blobs
(`act0/...`) and starting weights (`w/0/...`) and must reproduce Caffe's top blob; missing
reference files fail the tests. Source lines cited are of src/caffe/layers/*.cpp.
"""

from pathlib import Path

import numpy as np
import pytest

from parity import lazy
from parity.dialects.caffe.prototxt import parse_file
from parity.engines import caffe_ops as C

tf = lazy.tensorflow()

REF = Path(__file__).resolve().parent / "data" / "caffe-reference"
FWD_TOL = 1e-5
GRAD_TOL = 1e-4
FLT_MAX = float(np.finfo(np.float32).max)


def rel_err(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30))


_cache = {}


def load(case):
    if case not in _cache:
        folder = REF / case
        net, traj = folder / "net.prototxt", folder / "trajectory.npz"
        assert net.is_file(), f"missing reference file {net}"
        assert traj.is_file(), f"missing reference file {traj}"
        with np.load(traj) as z:
            data = {k: z[k] for k in z.files}
        _cache[case] = (parse_file(str(net)).get_all("layer"), data)
    return _cache[case]


# ------------------------------------------------ prototxt params -> op keyword arguments
def _hw(p, name, default):
    vals = p.get_all(name)
    if p.has(name + "_h"):
        return int(p.get(name + "_h")), int(p.get(name + "_w"))
    if not vals:
        return default, default
    return int(vals[0]), int(vals[-1])


def conv_kwargs(layer):
    p = layer.get("convolution_param")
    dil = p.get_all("dilation") or [1]
    return dict(stride=_hw(p, "stride", 1), pad=_hw(p, "pad", 0),
                dilation=(int(dil[0]), int(dil[-1])), group=int(p.get("group", 1)))


def pool_kwargs(layer):
    p = layer.get("pooling_param")
    return dict(method=str(p.get("pool", "MAX")), kernel=_hw(p, "kernel_size", 0),
                stride=_hw(p, "stride", 1), pad=_hw(p, "pad", 0),
                round_mode=str(p.get("round_mode", "CEIL")),
                global_pooling=bool(p.get("global_pooling", False)))


def apply_layer(layer, bottoms, w, extra):
    """One Caffe layer with our ops; w(i) gives its i-th parameter blob."""
    t = layer.get("type")
    if t == "Convolution":
        has_bias = layer.get("convolution_param").get("bias_term", True)
        return C.conv(bottoms[0], w(0), w(1) if has_bias else None, **conv_kwargs(layer))
    if t == "Pooling":
        return C.pool(bottoms[0], **pool_kwargs(layer))
    if t == "InnerProduct":
        return C.inner_product(bottoms[0], w(0), w(1), axis=1)
    if t == "ReLU":
        rp = layer.get("relu_param")
        return C.relu(bottoms[0], float(rp.get("negative_slope", 0.0)) if rp else 0.0)
    if t == "TanH":
        return C.tanh(bottoms[0])
    if t == "Sigmoid":
        return C.sigmoid(bottoms[0])
    if t == "BatchNorm":
        bp = layer.get("batch_norm_param")
        y, m, v, f = C.batch_norm(bottoms[0], w(0), w(1), w(2),
                                  use_global_stats=bool(bp.get("use_global_stats")),
                                  eps=1e-5, moving_average_fraction=0.999)
        extra[layer.get("name")] = (m, v, f)
        return y
    if t == "Scale":
        return C.scale(bottoms[0], w(0), w(1), axis=1)
    if t == "Eltwise":
        return C.eltwise(bottoms, operation=str(layer.get("eltwise_param").get("operation")),
                         coeff=None)
    if t == "Concat":
        return C.concat(bottoms, axis=int(layer.get("concat_param").get("axis", 1)))
    if t == "Flatten":
        return C.flatten(bottoms[0], axis=1, end_axis=-1)
    if t == "SoftmaxWithLoss":
        return C.softmax_with_loss(bottoms[0], bottoms[1], normalization="VALID",
                                   ignore_label=None, axis=1)
    if t == "EuclideanLoss":
        return C.euclidean_loss(bottoms[0], bottoms[1])
    raise AssertionError(f"no op for layer type {t}")


def weight_getter(data, name, k=0, dtype=np.float32, override=None):
    def w(i):
        if override is not None and (name, i) in override:
            return override[(name, i)]
        return tf.constant(data[f"w/{k}/{name}/{i}"].astype(dtype))

    return w


# ------------------------------------------------ forward: every layer group vs Caffe
GROUPS = [  # (case, first layer): the layer and the in-place layers after it
    ("sgd_momentum", "conv1"),  # conv pad 2 + leaky ReLU 0.1 (in place)
    ("sgd_momentum", "pool1"),  # MAX 3/2 pad 1
    ("sgd_momentum", "conv2"),  # stride 2, group 2
    ("sgd_momentum", "pool2"),  # AVE 3/2 pad 1
    ("sgd_momentum", "ip1"),  # InnerProduct after pooling (C,H,W flatten) + TanH in place
    ("sgd_momentum", "ip2"),
    ("sgd_momentum", "loss"),  # SoftmaxWithLoss
    ("pool_clip_rule", "conv1"),
    ("pool_clip_rule", "pool1"),  # MAX 2/2 pad 1 on 25x25: 13x13 by the clip rule
    ("pool_clip_rule", "conv2"),
    ("pool_clip_rule", "pool2"),  # AVE 3/2 pad 0, odd size
    ("pool_clip_rule", "ip2"),  # InnerProduct straight after pooling
    ("pool_clip_rule", "loss"),
    ("dag_batchnorm", "conv1"),  # conv + BatchNorm (training) + Scale + ReLU, all in place
    ("dag_batchnorm", "pool1"),
    ("dag_batchnorm", "conv2a"),
    ("dag_batchnorm", "conv2b"),
    ("dag_batchnorm", "sum"),  # Eltwise SUM
    ("dag_batchnorm", "cat"),  # Concat
    ("dag_batchnorm", "pool2s"),
    ("dag_batchnorm", "pool2c"),
    ("dag_batchnorm", "flat_s"),  # Flatten
    ("dag_batchnorm", "flat_c"),
    ("dag_batchnorm", "both"),
    ("dag_batchnorm", "ip2"),
    ("dag_batchnorm", "loss"),
    ("euclidean_sigmoid", "ip1"),  # InnerProduct on raw pixels + Sigmoid
    ("euclidean_sigmoid", "ip2"),
    ("euclidean_sigmoid", "loss"),  # EuclideanLoss
]


def run_group(case, first, dtype=np.float32):
    layers, d = load(case)
    names = [ly.get("name") for ly in layers]
    assert first in names, f"{case}: no layer {first}"
    i = names.index(first)
    top = layers[i].get_all("top")[0]
    chain = [layers[i]]
    for ly in layers[i + 1:]:
        if ly.get_all("bottom") == [top] and ly.get_all("top") == [top]:
            chain.append(ly)
        else:
            break
    extra = {}
    bottoms = [tf.constant(d[f"act0/{b}"].astype(dtype)) for b in layers[i].get_all("bottom")]
    y = apply_layer(layers[i], bottoms, weight_getter(d, first, dtype=dtype), extra)
    for ly in chain[1:]:
        y = apply_layer(ly, [y], weight_getter(d, ly.get("name"), dtype=dtype), extra)
    return y, d, top, chain, extra


@pytest.mark.parametrize("case,first", GROUPS, ids=[f"{c}:{f}" for c, f in GROUPS])
def test_layer_group_matches_caffe(case, first):
    y, d, top, chain, extra = run_group(case, first)
    assert y.dtype == tf.float32
    assert rel_err(y, d[f"act0/{top}"]) <= FWD_TOL, [ly.get("type") for ly in chain]
    if chain[0].get("type").endswith("Loss"):
        assert rel_err(y, d["loss"][0]) <= FWD_TOL
    for name, blobs in extra.items():  # BatchNorm accumulators after the first forward
        for j, b in enumerate(blobs):
            assert rel_err(b, d[f"w/1/{name}/{j}"]) <= FWD_TOL, (name, j)


def test_pool_clip_rule_sizes():
    layers, d = load("pool_clip_rule")
    assert d["act0/conv1"].shape[2:] == (25, 25) and d["act0/pool1"].shape[2:] == (13, 13)
    assert C.pool_output_size(25, 2, 2, 1, "CEIL") == 13


def test_float64_and_tf_function():
    for case, first in [("sgd_momentum", "pool1"), ("sgd_momentum", "pool2"),
                        ("sgd_momentum", "conv2"), ("dag_batchnorm", "conv1"),
                        ("sgd_momentum", "loss")]:
        y, d, top, _, _ = run_group(case, first, dtype=np.float64)
        assert y.dtype == tf.float64
        assert rel_err(y, d[f"act0/{top}"]) <= FWD_TOL, (case, first)
    _, d = load("sgd_momentum")
    f = tf.function(lambda x: C.pool(x, method="MAX", kernel=(3, 3), stride=(2, 2),
                                     pad=(1, 1), round_mode="CEIL", global_pooling=False))
    assert rel_err(f(tf.constant(d["act0/conv1"])), d["act0/pool1"]) <= FWD_TOL


# ------------------------------------------------ gradients vs Caffe's g/0
def net_a_loss(d, params):
    """Net A (sgd_momentum) written out by hand from net.prototxt."""
    x = tf.constant(d["x"])
    h = C.conv(x, params["conv1/0"], params["conv1/1"], stride=(1, 1), pad=(2, 2),
               dilation=(1, 1), group=1)
    h = C.relu(h, 0.1)
    h = C.pool(h, method="MAX", kernel=(3, 3), stride=(2, 2), pad=(1, 1), round_mode="CEIL",
               global_pooling=False)
    h = C.conv(h, params["conv2/0"], params["conv2/1"], stride=(2, 2), pad=(0, 0),
               dilation=(1, 1), group=2)
    h = C.pool(h, method="AVE", kernel=(3, 3), stride=(2, 2), pad=(1, 1), round_mode="CEIL",
               global_pooling=False)
    h = C.tanh(C.inner_product(h, params["ip1/0"], params["ip1/1"], axis=1))
    h = C.inner_product(h, params["ip2/0"], params["ip2/1"], axis=1)
    return C.softmax_with_loss(h, tf.constant(d["y"]), normalization="VALID",
                               ignore_label=None, axis=1)


def test_net_a_gradients_match_caffe():
    _, d = load("sgd_momentum")
    keys = [k[4:] for k in d if k.startswith("g/0/")]
    assert len(keys) == 8
    params = {k: tf.Variable(d["w/0/" + k]) for k in keys}
    with tf.GradientTape() as tape:
        loss = net_a_loss(d, params)
    assert rel_err(loss, d["loss"][0]) <= FWD_TOL
    grads = tape.gradient(loss, [params[k] for k in keys])
    errs = {k: rel_err(g, d["g/0/" + k]) for k, g in zip(keys, grads)}
    assert max(errs.values()) <= GRAD_TOL, errs


def test_gradients_inside_tf_function():
    _, d = load("sgd_momentum")
    params = {k[4:]: tf.Variable(d[k]) for k in d if k.startswith("w/0/")}

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            loss = net_a_loss(d, params)
        return loss, tape.gradient(loss, params["conv1/0"])

    loss, g = step()
    assert rel_err(loss, d["loss"][0]) <= FWD_TOL
    assert rel_err(g, d["g/0/conv1/0"]) <= GRAD_TOL
    _, d = load("dag_batchnorm")
    v = {("scale1", 0): tf.Variable(d["w/0/scale1/0"])}

    @tf.function
    def bn_step():
        with tf.GradientTape() as tape:
            loss = net_loss_from_prototxt("dag_batchnorm", v)
        return loss, tape.gradient(loss, v[("scale1", 0)])

    loss, g = bn_step()
    assert rel_err(loss, d["loss"][0]) <= FWD_TOL
    assert rel_err(g, d["g/0/scale1/0"]) <= GRAD_TOL


def net_loss_from_prototxt(case, variables):
    layers, d = load(case)
    blobs = {"data": tf.constant(d["x"]), "label": tf.constant(d["y"])}
    if "target" in d:
        blobs["target"] = tf.constant(d["target"])
    extra, loss = {}, None
    for ly in layers:
        t, name = ly.get("type"), ly.get("name")
        if t in ("Input", "Silence"):
            continue
        over = {(n, i): v for (n, i), v in variables.items() if n == name}
        y = apply_layer(ly, [blobs[b] for b in ly.get_all("bottom")],
                        weight_getter(d, name, override=over), extra)
        blobs[ly.get_all("top")[0]] = y
        if t.endswith("Loss"):
            loss = y
    return loss


@pytest.mark.parametrize("case", ["pool_clip_rule", "dag_batchnorm", "euclidean_sigmoid"])
def test_other_net_gradients_match_caffe(case):
    _, d = load(case)
    keys = [k[4:] for k in d if k.startswith("g/0/") and "/bn" not in k]
    variables = {(k.split("/")[0], int(k.split("/")[1])): tf.Variable(d["w/0/" + k])
                 for k in keys}
    with tf.GradientTape() as tape:
        loss = net_loss_from_prototxt(case, variables)
    assert rel_err(loss, d["loss"][0]) <= FWD_TOL
    grads = dict(zip(keys, tape.gradient(loss, list(variables.values()))))
    if case == "dag_batchnorm":
        # conv1's bias feeds BatchNorm, which subtracts it again: its true gradient is 0 and
        # Caffe's g/0/conv1/1 is float32 round-off (~1e-5 against weight gradients ~5).
        # Both must stay at that noise level; relative error is meaningless there.
        scale = max(np.abs(d["g/0/" + k]).max() for k in keys)
        bias = grads.pop("conv1/1").numpy()
        assert np.abs(bias).max() <= 1e-5 * scale
        assert np.abs(d["g/0/conv1/1"]).max() <= 1e-5 * scale
    errs = {k: rel_err(g, d["g/0/" + k]) for k, g in grads.items()}
    assert max(errs.values()) <= GRAD_TOL, errs


# ------------------------------------------------ hand-derived unit tests
def test_pool_output_size_rules():
    # pooling_layer.cpp:93-94 CEIL: ceil((28 - 3)/2) + 1 = 14 (FLOOR :99-100 gives 13)
    assert C.pool_output_size(28, 3, 2, 0, "CEIL") == 14
    assert C.pool_output_size(28, 3, 2, 0, "FLOOR") == 13
    # with pad, :110: ceil((28+2-3)/2)+1 = 15; (15-1)*2 = 28 < 28+1, kept
    assert C.pool_output_size(28, 3, 2, 1, "CEIL") == 15
    # :110: ceil((25+2-2)/2)+1 = 14; (14-1)*2 = 26 >= 25+1, so 13
    assert C.pool_output_size(25, 2, 2, 1, "CEIL") == 13
    # without pad the clip is skipped (:107): ceil((5-1)/3)+1 = 3, last window starts at 6 > 5
    assert C.pool_output_size(5, 1, 3, 0, "CEIL") == 3
    # conv_layer.cpp:17-19: (28 + 4 - 5)//1 + 1 = 28; (15 - 3)//2 + 1 = 7; dilation 2: ext 5
    assert C.conv_output_size(28, 5, 1, 2, 1) == 28
    assert C.conv_output_size(15, 3, 2, 0, 1) == 7
    assert C.conv_output_size(7, 3, 2, 1, 2) == 3


def test_max_window_outside_image_is_minus_flt_max():
    # pooling_layer.cpp:162 top starts at Dtype(-FLT_MAX); the window at 6 has no cells
    for dt in (np.float32, np.float64):
        x = tf.Variable(np.arange(25, dtype=dt).reshape(1, 1, 5, 5) - 100)
        with tf.GradientTape() as tape:
            y = C.pool(x, method="MAX", kernel=(1, 1), stride=(3, 3), pad=(0, 0),
                       round_mode="CEIL", global_pooling=False)
            s = tf.reduce_sum(y[:, :, :2, :2])
        yn = y.numpy()[0, 0]
        assert yn.shape == (3, 3)
        assert np.all(yn[2, :] == -FLT_MAX) and np.all(yn[:, 2] == -FLT_MAX)
        assert yn[1, 1] == x.numpy()[0, 0, 3, 3]
        g = tape.gradient(s, x).numpy()[0, 0]
        assert g.sum() == 4 and g[0, 0] == g[0, 3] == g[3, 0] == g[3, 3] == 1


def test_max_gradient_goes_to_first_max_in_scan_order():
    # pooling_layer.cpp:175-185: strict '>' over h then w keeps the FIRST maximum
    x = tf.Variable(np.array([[[[0, 5, 1], [5, 5, 0], [0, 0, 0]]]], np.float32))
    with tf.GradientTape() as tape:
        y = C.pool(x, method="MAX", kernel=(2, 2), stride=(1, 1), pad=(0, 0),
                   round_mode="CEIL", global_pooling=False)
    g = tape.gradient(y, x).numpy()[0, 0]
    # windows (0,0),(0,1) pick (0,1); (1,0) picks (1,0); (1,1) picks (1,1)
    np.testing.assert_array_equal(g, [[0, 2, 0], [1, 1, 0], [0, 0, 0]])


def test_ave_divisor_map_and_values():
    # pooling_layer.cpp:210-214, H = W = 6, k 3, s 2, p 1: 4 outputs, starts -1, 1, 3, 5;
    # ends min(start+3, 7) -> sizes 3, 3, 3, 2 (padding counts, the overhang past 7 does not)
    assert C.pool_output_size(6, 3, 2, 1, "CEIL") == 4
    div = C.ave_divisor_map(6, 6, (3, 3), (2, 2), (1, 1), (4, 4))
    np.testing.assert_array_equal(div, np.outer([3, 3, 3, 2], [3, 3, 3, 2]))
    x = np.arange(36, dtype=np.float64).reshape(1, 1, 6, 6)
    y = C.pool(tf.constant(x), method="AVE", kernel=(3, 3), stride=(2, 2), pad=(1, 1),
               round_mode="CEIL", global_pooling=False).numpy()[0, 0]
    assert y[0, 0] == (0 + 1 + 6 + 7) / 9  # window rows/cols -1..1, clipped sum (:215-222)
    assert y[3, 3] == 35 / 4  # only cell (5,5) lies in the image; divisor 2·2
    assert y[1, 3] == (11 + 17 + 23) / 6


def test_conv_matches_numpy_cross_correlation():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 4, 9, 8))
    w = rng.normal(size=(6, 2, 3, 2))
    b = rng.normal(size=6)
    s, p, dl, g = (2, 1), (1, 2), (2, 1), 2
    y = C.conv(tf.constant(x), w, b, stride=s, pad=p, dilation=dl, group=g).numpy()
    xp = np.pad(x, [(0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])])
    oh, ow = C.conv_output_size(9, 3, s[0], p[0], dl[0]), C.conv_output_size(8, 2, s[1], p[1], dl[1])
    ref = np.zeros((2, 6, oh, ow))
    for o in range(6):
        gi = o // 3
        for i in range(oh):
            for j in range(ow):
                patch = xp[:, 2 * gi:2 * gi + 2, i * s[0]:i * s[0] + 5:dl[0],
                           j * s[1]:j * s[1] + 2:dl[1]]
                ref[:, o, i, j] = np.einsum("ncij,cij->n", patch, w[o]) + b[o]
    np.testing.assert_allclose(y, ref, rtol=1e-12, atol=1e-12)


def test_eltwise_max_ties_and_relu_slope_at_zero():
    a = tf.Variable([1.0, 2.0, 3.0])
    b = tf.Variable([1.0, 1.0, 3.0])
    c = tf.Variable([1.0, 2.0, 0.0])
    with tf.GradientTape() as tape:
        y = C.eltwise([a, b, c], operation="MAX", coeff=None)
    ga, gb, gc = tape.gradient(y, [a, b, c])
    # eltwise_layer.cpp:77-83 a tie between bottoms 0 and 1 goes to 1; :89 later ones need '>'
    np.testing.assert_array_equal(ga, [0, 1, 0])
    np.testing.assert_array_equal(gb, [1, 0, 1])
    np.testing.assert_array_equal(gc, [0, 0, 0])
    x = tf.Variable([-2.0, 0.0, 3.0])
    with tf.GradientTape() as tape:
        y = C.relu(x, 0.25)
    np.testing.assert_array_equal(y, [-0.5, 0.0, 3.0])
    np.testing.assert_array_equal(tape.gradient(y, x), [0.25, 0.25, 1.0])  # relu_layer.cpp:32-33


def test_softmax_with_loss_modes_and_clamp():
    z = np.array([[0.0, 1.0, 2.0], [1.0, 0.0, -1.0]])  # N=2, C=3
    lab = np.array([2.0, 1.0])
    p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    nll = -np.log(p[[0, 1], [2, 1]])

    def f(**k):
        return float(C.softmax_with_loss(tf.constant(z), lab, axis=1, **k))

    assert np.isclose(f(normalization="VALID", ignore_label=None), nll.sum() / 2)
    assert np.isclose(f(normalization="VALID", ignore_label=1), nll[0])  # count 1 (:66-71)
    assert np.isclose(f(normalization="FULL", ignore_label=1), nll[0] / 2)  # :63-64
    assert np.isclose(f(normalization="BATCH_SIZE", ignore_label=None), nll.sum() / 2)
    assert np.isclose(f(normalization="NONE", ignore_label=None), nll.sum())
    # all ignored: normalizer max(1, 0) = 1 (:85), loss 0
    assert float(C.softmax_with_loss(tf.constant(z), [1.0, 1.0], normalization="VALID",
                                     ignore_label=1, axis=1)) == 0.0
    # spatial labels (N, H, W), VALID = N·H·W
    zs = np.random.default_rng(1).normal(size=(2, 3, 2, 2))
    ls = np.array([[[0, 1], [2, 0]], [[1, 1], [2, 2]]], np.float32)
    ps = np.exp(zs) / np.exp(zs).sum(1, keepdims=True)
    ref = -np.mean(np.log(np.take_along_axis(ps, ls.astype(int)[:, None], 1)))
    assert np.isclose(float(C.softmax_with_loss(tf.constant(zs), ls, normalization="VALID",
                                                ignore_label=None, axis=1)), ref)
    # FLT_MIN clamp (:106-107) changes the value but not Caffe's gradient p - onehot
    zt = tf.Variable(np.array([[0.0, -200.0]], np.float32))
    with tf.GradientTape() as tape:
        loss = C.softmax_with_loss(zt, [1.0], normalization="VALID", ignore_label=None, axis=1)
    assert np.isclose(float(loss), -np.log(np.finfo(np.float32).tiny), rtol=1e-6)
    np.testing.assert_allclose(tape.gradient(loss, zt), [[1.0, -1.0]], atol=1e-6)


def test_batch_norm_global_stats_and_reshape_flatten():
    x = np.random.default_rng(2).normal(size=(2, 3, 2, 2))
    # batch_norm_layer.cpp:100-101 blob2 == 0 gives scale factor 0: mean 0, var 0
    y, *_ = C.batch_norm(tf.constant(x), np.ones(3), np.ones(3), np.zeros(1),
                         use_global_stats=True, eps=1e-5, moving_average_fraction=0.999)
    np.testing.assert_allclose(y, x / np.sqrt(float(np.float32(1e-5))), rtol=1e-12)
    y, *_ = C.batch_norm(tf.constant(x), np.full(3, 2.0), np.full(3, 8.0), np.full(1, 2.0),
                         use_global_stats=True, eps=1e-5, moving_average_fraction=0.999)
    np.testing.assert_allclose(y, (x - 1.0) / np.sqrt(4.0 + float(np.float32(1e-5))), rtol=1e-12)
    # reshape_layer.cpp / caffe.proto ReshapeParameter examples on a 2 x 8 blob
    t = tf.zeros([2, 8])
    for dims, kw, shape in [([0, 2, -1], {}, (2, 2, 4)), ([0, -1, 4], {}, (2, 2, 4)),
                            ([2, 4], {"axis": 1}, (2, 2, 4)), ([2, 4], {"axis": -2}, (2, 2, 4)),
                            ([1], {"num_axes": 0}, (1, 2, 8)),
                            ([1], {"axis": 1, "num_axes": 0}, (2, 1, 8))]:
        assert tuple(C.reshape(t, dims, **kw).shape) == shape, (dims, kw)
    assert tuple(C.flatten(tf.zeros([2, 3, 4, 5]), axis=1, end_axis=2).shape) == (2, 12, 5)
