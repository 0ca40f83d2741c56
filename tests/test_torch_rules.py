"""Every PyTorch rule in parity/frameworks/torch.py, run against real torch 2.x and real Keras 3."""

import numpy as np
import torch

from parity import lazy
from parity.frameworks import torch as facts

lazy.tensorflow()
import keras  # noqa: E402

GRADS = [np.array([0.5, -1.0, 2.0]), np.array([0.25, 0.5, -1.5]), np.array([1.0, 1.0, 1.0]),
         np.array([-0.5, 2.0, 0.75])]
W0 = np.array([1.0, -2.0, 0.5])


def _torch_path(make, rates, grads=GRADS):
    """Weights after each update of a torch optimizer fed fixed gradients, with the rate set per update."""
    p = torch.nn.Parameter(torch.tensor(W0, dtype=torch.float64))
    opt = make([p])
    out = []
    for lr, g in zip(rates, grads):
        for group in opt.param_groups:
            group["lr"] = lr
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        out.append(p.detach().numpy().copy())
    return out


def _keras_path(opt, rates, grads=GRADS):
    v = keras.Variable(W0.astype("float64"), dtype="float64")
    out = []
    for lr, g in zip(rates, grads):
        opt.learning_rate = lr
        opt.apply([keras.ops.convert_to_tensor(g, "float64")], [v])
        out.append(np.asarray(v.numpy()).copy())
    return out


def test_facts_are_the_installed_defaults():
    assert torch.__version__.startswith(facts.VERSION)
    p = [torch.nn.Parameter(torch.zeros(1))]
    for name, fact in facts.OPTIMIZER_DEFAULTS.items():
        built = getattr(torch.optim, name)(p).defaults
        for key, value in fact.value.items():
            assert built[key] == value, (name, key)
    bn = torch.nn.BatchNorm2d(3)
    assert (bn.eps, bn.momentum, bn.affine, bn.track_running_stats) == tuple(facts.BATCHNORM_DEFAULTS.value.values())
    kbn = keras.layers.BatchNormalization()
    assert (kbn.momentum, kbn.epsilon) == tuple(facts.KERAS_BATCHNORM_DEFAULTS.value.values())
    for name, fact in facts.LOSS_DEFAULTS.items():
        loss = getattr(torch.nn, name)()
        assert {k: getattr(loss, k) for k in fact.value} == fact.value
    pool = torch.nn.MaxPool2d(2)
    assert (pool.stride, pool.padding, pool.ceil_mode) == (2, 0, False)
    sched = torch.optim.lr_scheduler.StepLR(torch.optim.SGD(p, lr=1.0), step_size=2)
    assert sched.gamma == facts.SCHEDULER_DEFAULTS["StepLR"].value["gamma"]


def test_sgd_momentum_formulations_agree_at_a_constant_rate_and_part_at_a_new_rate():
    mu = 0.9
    # torch: b = μb + g; w -= lr·b (sgd.py:357-377), written out by hand
    b, w, by_hand = None, W0.copy(), []
    rates = [0.1, 0.1, 0.01, 0.01]
    for lr, g in zip(rates, GRADS):
        b = g.copy() if b is None else mu * b + g
        w = w - lr * b
        by_hand.append(w)
    t = _torch_path(lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=mu), rates)
    np.testing.assert_allclose(t, by_hand, rtol=1e-12)
    k = _keras_path(keras.optimizers.SGD(0.1, momentum=mu), rates)
    # equal at the constant rate (updates 1 and 2), apart from the first update at the new rate (3)
    np.testing.assert_allclose(k[:2], t[:2], rtol=1e-7)  # Keras holds the rate in float32
    assert np.linalg.norm(k[2] - t[2]) / np.linalg.norm(t[2]) > 1e-3
    # Keras keeps lr inside the velocity: v = μv − lr·g, so its update 3 carries 0.1-scaled history
    v = -0.1 * GRADS[0]
    v = mu * v - 0.1 * GRADS[1]
    v = mu * v - 0.01 * GRADS[2]
    np.testing.assert_allclose(k[2], k[1] + v, rtol=1e-7)


def test_coupled_weight_decay_reaches_every_parameter_of_the_group():
    lam, lr = 0.1, 0.5
    t = _torch_path(lambda ps: torch.optim.SGD(ps, lr=lr, weight_decay=lam), [lr], GRADS[:1])
    np.testing.assert_allclose(t[0], W0 - lr * (GRADS[0] + lam * W0), rtol=1e-12)  # g ← g + λw (sgd.py:354)
    # Adam: coupled decay enters the moments; AdamW's decoupled decay multiplies w by (1 − lr·λ) first
    adam = _torch_path(lambda ps: torch.optim.Adam(ps, lr=lr, weight_decay=lam), [lr], GRADS[:1])
    adamw = _torch_path(lambda ps: torch.optim.AdamW(ps, lr=lr, weight_decay=lam), [lr], GRADS[:1])
    plain = _torch_path(lambda ps: torch.optim.Adam(ps, lr=lr), [lr], GRADS[:1])
    np.testing.assert_allclose(adamw[0], plain[0] - lr * lam * W0, rtol=1e-9)
    assert not np.allclose(adam[0], adamw[0])
    # Keras AdamW is decoupled too: w ← w − w·λ·lr (backend/tensorflow/optimizer.py:117), then Adam
    kw = _keras_path(keras.optimizers.AdamW(lr, weight_decay=lam, epsilon=1e-8), [lr], GRADS[:1])
    # (the update's size is lr = 0.5; Keras holds β₂ in float32: 6e-6 of it in √(1−β₂))
    np.testing.assert_allclose(kw[0], adamw[0], atol=1e-5 * lr)


def test_adam_epsilon_is_added_to_the_corrected_root_in_torch_and_the_raw_root_in_keras():
    eps, lr, b1, b2 = 1e-3, 0.1, 0.9, 0.999  # a large ε makes the placement visible in float64
    g = GRADS[0]
    m, v = (1 - b1) * g, (1 - b2) * g * g
    torch_hand = W0 - lr / (1 - b1) * m / (np.sqrt(v) / np.sqrt(1 - b2) + eps)  # adam.py:544
    keras_hand = W0 - lr * np.sqrt(1 - b2) / (1 - b1) * m / (np.sqrt(v) + eps)  # keras adam.py:117,135
    t = _torch_path(lambda ps: torch.optim.Adam(ps, lr=lr, eps=eps), [lr], [g])
    k = _keras_path(keras.optimizers.Adam(lr, epsilon=eps), [lr], [g])
    np.testing.assert_allclose(t[0], torch_hand, rtol=1e-12)
    np.testing.assert_allclose(k[0], keras_hand, rtol=1e-5)  # β₂ held in float32 by Keras
    # the same update once Keras's ε is the effective ε̂ = ε/√(1−β₂ᵗ)
    k_hat = _keras_path(keras.optimizers.Adam(lr, epsilon=eps * np.sqrt(1 - b2)), [lr], [g])
    np.testing.assert_allclose(k_hat[0], t[0], rtol=1e-5)
    assert np.abs(k[0] - t[0]).max() > 1e-3


def test_optimizer_defaults_that_differ_by_name():
    k = {name: getattr(keras.optimizers, name)().get_config() for name in ("Adadelta", "RMSprop", "Adam")}
    t = facts.OPTIMIZER_DEFAULTS
    assert (t["Adadelta"].value["rho"], k["Adadelta"]["rho"]) == (0.9, 0.95)
    assert (t["Adadelta"].value["eps"], k["Adadelta"]["epsilon"]) == (1e-6, 1e-7)
    assert (t["RMSprop"].value["alpha"], k["RMSprop"]["rho"]) == (0.99, 0.9)
    assert (t["Adam"].value["eps"], k["Adam"]["epsilon"]) == (1e-8, 1e-7)
    # and they change the update: Adadelta at torch's defaults against Keras's at lr 1
    td = _torch_path(lambda ps: torch.optim.Adadelta(ps), [1.0], GRADS[:1])
    kd = _keras_path(keras.optimizers.Adadelta(1.0), [1.0], GRADS[:1])
    kd_same = _keras_path(keras.optimizers.Adadelta(1.0, rho=0.9, epsilon=1e-6), [1.0], GRADS[:1])
    assert not np.allclose(td[0], kd[0], rtol=1e-3)
    np.testing.assert_allclose(kd_same[0], td[0], rtol=1e-9)


def test_batchnorm_momentum_epsilon_and_unbiased_running_variance():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 2, 3, 3))
    bn = torch.nn.BatchNorm2d(2).double().train()
    out = bn(torch.tensor(x)).detach().numpy()
    mean, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
    n = x.size / 2
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.1 * mean, rtol=1e-12)  # momentum 0.1
    np.testing.assert_allclose(bn.running_var.numpy(), 0.9 + 0.1 * var * n / (n - 1), rtol=1e-12)  # unbiased
    np.testing.assert_allclose(out, (x - mean[None, :, None, None]) / np.sqrt(var + 1e-5)[None, :, None, None],
                               rtol=1e-9)  # biased batch variance, ε 1e-5
    kbn = keras.layers.BatchNormalization(dtype="float64")
    kout = np.asarray(kbn(x.transpose(0, 2, 3, 1), training=True)).transpose(0, 3, 1, 2)
    assert np.abs(kout - out).max() > 1e-3  # ε 1e-3 in Keras
    kbn = keras.layers.BatchNormalization(epsilon=1e-5, momentum=0.9, dtype="float64")
    kout = np.asarray(kbn(x.transpose(0, 2, 3, 1), training=True)).transpose(0, 3, 1, 2)
    np.testing.assert_allclose(kout, out, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(kbn.moving_variance.numpy(), 0.9 + 0.1 * var, rtol=1e-12)  # Keras: biased


def test_sum_reduction_scales_the_loss_by_the_batch():
    rng = np.random.default_rng(1)
    z, y = torch.tensor(rng.normal(size=(6, 4))), torch.tensor(rng.integers(0, 4, 6))
    mean = torch.nn.CrossEntropyLoss()(z, y)
    total = torch.nn.CrossEntropyLoss(reduction="sum")(z, y)
    np.testing.assert_allclose(float(total), 6 * float(mean), rtol=1e-12)
    keras_mean = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y.numpy(), z.numpy())
    np.testing.assert_allclose(float(keras_mean), float(mean), rtol=1e-6)


def test_output_conventions_are_one_objective():
    rng = np.random.default_rng(2)
    z, y = torch.tensor(rng.normal(size=(6, 4))), torch.tensor(rng.integers(0, 4, 6))
    ce = torch.nn.CrossEntropyLoss()(z, y)
    nll = torch.nn.NLLLoss()(torch.log_softmax(z, dim=1), y)
    probs = np.asarray(keras.activations.softmax(keras.ops.convert_to_tensor(z.numpy())))
    scce = keras.losses.SparseCategoricalCrossentropy()(y.numpy(), probs)
    np.testing.assert_allclose([float(nll), float(scce)], [float(ce)] * 2, rtol=1e-6)


def test_ceil_mode_pooling_keeps_the_partial_window():
    x = torch.arange(25.0).reshape(1, 1, 5, 5)
    assert tuple(torch.nn.MaxPool2d(2, ceil_mode=True)(x).shape) == (1, 1, 3, 3)
    assert tuple(torch.nn.MaxPool2d(2)(x).shape) == (1, 1, 2, 2)
    assert tuple(keras.layers.MaxPooling2D(2)(np.zeros((1, 5, 5, 1))).shape) == (1, 2, 2, 1)
    assert tuple(keras.layers.MaxPooling2D(2, padding="same")(np.zeros((1, 5, 5, 1))).shape) == (1, 3, 3, 1)


def _torch_rates(make_scheduler, updates, lr=1.0):
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    sched = make_scheduler(opt)
    rates = []
    for _ in range(updates):  # the rate of each update; the scheduler steps after it (one step = one epoch)
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.array(rates)


def _keras_rates(schedule, updates):
    return np.array([float(schedule(k)) for k in range(updates)])  # Keras calls it with iterations 0, 1, …


def test_schedulers_stepped_once_per_update_are_keras_schedules():
    lr_s = torch.optim.lr_scheduler
    ks = keras.optimizers.schedules
    pairs = [
        (lambda o: lr_s.StepLR(o, step_size=3, gamma=0.5), ks.ExponentialDecay(1.0, 3, 0.5, staircase=True)),
        (lambda o: lr_s.MultiStepLR(o, milestones=[2, 5], gamma=0.1),
         ks.PiecewiseConstantDecay([1, 4], [1.0, 0.1, 0.01])),
        (lambda o: lr_s.ExponentialLR(o, gamma=0.9), ks.ExponentialDecay(1.0, 1, 0.9)),
        (lambda o: lr_s.CosineAnnealingLR(o, T_max=8), ks.CosineDecay(1.0, 8)),
        (lambda o: lr_s.LambdaLR(o, lambda e: 1.0 / (1 + e)), ks.InverseTimeDecay(1.0, 1, 1.0)),
    ]
    for make, schedule in pairs:
        np.testing.assert_allclose(_torch_rates(make, 8), _keras_rates(schedule, 8), rtol=1e-6, atol=1e-7)
