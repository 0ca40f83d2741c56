"""The PyTorch engine against the real Keras engine: same starting weights, full batch, step by step."""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from parity import lazy
from parity.compare import RTOL, Tolerance, first_diverged, judge, step_pairs
from parity.engines.torch_engine import TorchEngine
from parity.weights import from_canonical, match, starting_weights

lazy.tensorflow()
import keras  # noqa: E402

from parity.engines.keras_engine import KerasEngine  # noqa: E402

RNG = np.random.default_rng(0)
X_IMG = RNG.random((32, 8, 8, 1))  # N, H, W, C as stored
X_FLAT = X_IMG.reshape(32, -1)
Y = RNG.integers(0, 4, 32)
LR = 0.125  # exact in float32, in which Keras holds its learning rate even for a float64 model
MU = 0.875  # likewise: Keras rounds its momentum to float32


def _start(engines, seed=0):
    matches, mismatch = match(engines[0].tensors, engines[1].tensors)
    assert mismatch is None, mismatch
    start = starting_weights(f"seed:{seed}", matches, engines[0].get_weights(), engines[1].get_weights())
    for engine, which in zip(engines, "ab"):
        engine.set_weights({t.key: from_canonical(start[(m.index, t.role)].reshape(t.canonical_shape), t.layout)
                            for m in matches for t in (m.a if which == "a" else m.b)})
    return matches


def drive(a, b, xa, xb, steps, dtype="float64"):
    """Step both engines together; the first diverged row (or None) and every step's rows."""
    matches = _start((a, b))
    tolerance, history = Tolerance(RTOL[dtype]), []
    for step in range(steps + 1):
        ea, eb = a.evaluate(xa, Y), b.evaluate(xb, Y)
        rows = judge(step, step_pairs(matches, a.get_weights(), b.get_weights(), ea, eb, "terms"), tolerance)
        history.append(rows)
        first = first_diverged(rows)
        if first is not None:
            return first, history
        if step < steps:
            a.update(a.current_lr())
            b.update(b.current_lr())
    return None, history


def keras_engine(layers, optimizer, loss, shape, model_class=keras.Sequential):
    """`layers`: a function making them, called with Keras computing in float64 (the model's dtype)."""
    before = keras.config.floatx(), keras.config.dtype_policy()
    keras.config.set_floatx("float64")
    keras.config.set_dtype_policy("float64")
    try:
        model = model_class([keras.Input(shape)] + layers())
        model.compile(optimizer=optimizer(), loss=loss() if callable(loss) else loss)
    finally:
        keras.config.set_floatx(before[0])
        keras.config.set_dtype_policy(before[1])
    return KerasEngine(model, model.optimizer, "A")


def torch_engine(model, optimizer=None, loss=None, scheduler=None, step=None, shape=(64,), dtype="float64"):
    parts = {"model": model, "optimizer": optimizer or torch.optim.SGD(model.parameters(), lr=LR),
             "loss": loss or nn.CrossEntropyLoss(), "scheduler": scheduler, "step": step, "input_shape": shape}
    return TorchEngine(parts, "B", dtype)


def _mlp():
    return nn.Sequential(nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 4))


def _keras_mlp(**kw):
    return lambda: [keras.layers.Dense(16, activation="relu", **kw), keras.layers.Dense(4, **kw)]


def _weights_only(model, lam):
    weights = [p for n, p in model.named_parameters() if n.endswith("weight")]
    biases = [p for n, p in model.named_parameters() if n.endswith("bias")]
    return [{"params": weights, "weight_decay": lam}, {"params": biases, "weight_decay": 0.0}]


def SCCE():  # noqa: N802  (made while Keras computes in float64: a loss takes floatx when built)
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def test_keras_l2_half_against_torch_weight_decay_on_weights_is_parity_over_20_steps():
    lam = 2.0 ** -6  # exact in float32 (λ/2 too), as Keras may hold it
    a = keras_engine(_keras_mlp(kernel_regularizer=keras.regularizers.L2(lam / 2)),
                     lambda: keras.optimizers.SGD(LR, momentum=MU), SCCE, (64,))
    m = _mlp().double()
    b = torch_engine(m, torch.optim.SGD(_weights_only(m, lam), lr=LR, momentum=MU))
    first, history = drive(a, b, X_FLAT, X_FLAT, 20)
    assert first is None, first
    # the decay is real: without it on the torch side the weights part at step 1
    m = _mlp().double()
    first, _ = drive(keras_engine(_keras_mlp(kernel_regularizer=keras.regularizers.L2(lam / 2)),
                                  lambda: keras.optimizers.SGD(LR, momentum=MU), SCCE, (64,)),
                     torch_engine(m, torch.optim.SGD(m.parameters(), lr=LR, momentum=MU)), X_FLAT, X_FLAT, 3)
    assert (first.step, first.quantity) == (1, "weight")


def test_a_step_schedule_parts_exactly_at_the_first_update_at_the_new_rate():
    schedule = keras.optimizers.schedules.ExponentialDecay(LR, 3, 0.5, staircase=True)
    a = keras_engine(_keras_mlp(), lambda: keras.optimizers.SGD(schedule, momentum=MU), SCCE, (64,))
    m = _mlp().double()
    opt = torch.optim.SGD(m.parameters(), lr=LR, momentum=MU)
    b = torch_engine(m, opt, scheduler=torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5))
    first, _ = drive(a, b, X_FLAT, X_FLAT, 6)
    # updates 1-3 run at LR; update 4 is the first at LR/2: the weights after it (step 4) part
    assert (first.step, first.quantity) == (4, "weight"), first


class FunctionalCNN(nn.Module):
    """Functional ReLU, pooling and flatten in forward(): part of the stage before the next Linear."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 3, 3)
        self.fc = nn.Linear(3 * 3 * 3, 4)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv(x)), 2)
        return F.log_softmax(self.fc(torch.flatten(x, 1)), dim=1)


def test_a_faithful_keras_port_of_a_functional_cnn_is_parity():
    """Keras logits into cross-entropy against torch log_softmax into NLL: one objective."""
    def layers():
        return [keras.layers.Conv2D(3, 3, activation="relu"), keras.layers.MaxPooling2D(2),
                keras.layers.Flatten(), keras.layers.Dense(4)]

    a = keras_engine(layers, lambda: keras.optimizers.SGD(LR), SCCE, (8, 8, 1))
    b = torch_engine(FunctionalCNN().double(), loss=nn.NLLLoss(), shape=(1, 8, 8))
    assert b.tensors[2].layout == "out,in(c,h,w:3,3,3)"  # the flatten is seen through forward()
    first, history = drive(a, b, X_IMG, X_IMG.transpose(0, 3, 1, 2), 5)
    assert first is None, first
    assert [r.quantity for r in history[0]].count("activation") == 2  # both stages compared at step 0


def test_logits_with_cross_entropy_against_log_softmax_with_nll_is_parity_at_step_0():
    class Logits(FunctionalCNN):
        def forward(self, x):
            return self.fc(torch.flatten(F.max_pool2d(F.relu(self.conv(x)), 2), 1))

    torch.manual_seed(0)
    a = torch_engine(Logits().double(), loss=nn.CrossEntropyLoss(), shape=(1, 8, 8))
    b = torch_engine(FunctionalCNN().double(), loss=nn.NLLLoss(), shape=(1, 8, 8))
    x = X_IMG.transpose(0, 3, 1, 2)
    first, _ = drive(a, b, x, x, 2)
    assert first is None, first


def _bn_pair(bn_options):
    def layers():
        return [keras.layers.Conv2D(2, 3, use_bias=False), keras.layers.BatchNormalization(**bn_options),
                keras.layers.ReLU(), keras.layers.Flatten(), keras.layers.Dense(4)]

    a = keras_engine(layers, lambda: keras.optimizers.SGD(LR), SCCE, (8, 8, 1))
    model = nn.Sequential(nn.Conv2d(1, 2, 3, bias=False), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(),
                          nn.Linear(72, 4)).double()
    return a, torch_engine(model, shape=(1, 8, 8))


def test_batchnorm_defaults_diverge_at_step_0_and_agree_once_epsilon_is_torchs():
    a, b = _bn_pair({})
    first, _ = drive(a, b, X_IMG, X_IMG.transpose(0, 3, 1, 2), 0)
    assert (first.step, first.quantity, first.layer_b) == (0, "activation", "1")  # the BN stage
    a, b = _bn_pair({"epsilon": 1e-5, "momentum": 0.9})
    first, _ = drive(a, b, X_IMG, X_IMG.transpose(0, 3, 1, 2), 3)
    assert first is None, first
    # evaluating does not move the running statistics: only the updates do, once each
    assert float(b.model[1].num_batches_tracked) == 3


def test_sum_reduction_parts_at_step_0_in_the_loss():
    a = keras_engine(_keras_mlp(), lambda: keras.optimizers.SGD(LR), SCCE, (64,))
    b = torch_engine(_mlp().double(), loss=nn.CrossEntropyLoss(reduction="sum"))
    first, _ = drive(a, b, X_FLAT, X_FLAT, 1)
    assert (first.step, first.quantity) == (0, "loss")


def test_a_torch_step_that_doubles_the_gradients_is_measured_as_twice_the_declared_update():
    def doubled(model, optimizer, x, y):
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        for p in model.parameters():
            p.grad.mul_(2.0)
        optimizer.step()

    m = _mlp().double()
    b = torch_engine(m, torch.optim.SGD(m.parameters(), lr=LR), step=doubled)
    a = keras_engine(_keras_mlp(), lambda: keras.optimizers.SGD(LR), SCCE, (64,))
    first, _ = drive(a, b, X_FLAT, X_FLAT, 2)
    assert (first.step, first.quantity) == (1, "weight")
    check = b.step_checks[0]
    assert check.differs and check.relation == "the update is 2.00× the declared optimizer's at every tensor"
    # a step that is the declared one is measured as such
    m = _mlp().double()
    same = torch_engine(m, torch.optim.SGD(m.parameters(), lr=LR, momentum=MU),
                        step=lambda model, opt, x, y: (opt.zero_grad(), F.cross_entropy(model(x), y).backward(),
                                                       opt.step()))
    first, _ = drive(keras_engine(_keras_mlp(), lambda: keras.optimizers.SGD(LR, momentum=MU), SCCE, (64,)), same,
                     X_FLAT, X_FLAT, 3)
    assert first is None and not any(c.differs for c in same.step_checks)


def test_float32_engine_weights_round_trip_and_the_evaluation_is_the_default_steps_backward_pass():
    m = _mlp()
    b = torch_engine(m, dtype="float32")
    assert b.dtype == "float32" and next(m.parameters()).dtype == torch.float32
    w = {k: np.full(v.shape, 0.5, np.float32) for k, v in b.get_weights().items()}
    b.set_weights(w)
    assert all(np.array_equal(b.get_weights()[k], w[k]) for k in w)
    ev = b.evaluate(X_FLAT, Y)
    # no step of the user's: the evaluation's backward pass fills .grad, and the update only steps
    assert all(np.array_equal(p.grad.numpy(), ev.grads_data[k]) for k, p in m.named_parameters())
    assert ev.grads_data["0.weight"].shape == (16, 64) and torch.are_deterministic_algorithms_enabled()


def test_a_users_step_finds_grad_as_it_left_it():
    m = _mlp()
    b = torch_engine(m, step=lambda model, opt, x, y: (opt.zero_grad(), F.cross_entropy(model(x), y).backward(),
                                                       opt.step()))
    b.evaluate(X_FLAT, Y)
    assert all(p.grad is None for p in m.parameters())  # the compared gradients come from autograd.grad


def test_fused_update_equals_the_default_step_when_the_weights_changed_in_between():
    """The update reuses the evaluation's .grad only at the weights it was computed at: a probe that sets
    other weights (and back) makes it run the whole default step again, to the same result."""
    def run(probe):
        torch.manual_seed(0)
        m = _mlp().double()
        e = torch_engine(m, optimizer=torch.optim.SGD(m.parameters(), lr=LR, momentum=MU))
        for _ in range(3):
            e.evaluate(X_FLAT, Y)
            if probe:
                saved = e.get_weights()
                e.set_weights({k: v * 0 for k, v in saved.items()})
                e.evaluate(X_FLAT, Y)  # at other weights: its .grad must not be used by the update
                e.set_weights(saved)
            e.update()
        return e.get_weights()

    fused, recomputed = run(False), run(True)
    assert all(np.array_equal(fused[k], recomputed[k]) for k in fused)


class Doubling(keras.Sequential):
    """A user's train_step that doubles every gradient before the optimizer sees it."""

    def train_step(self, data):
        import tensorflow as tf

        x, y = data
        with tf.GradientTape() as tape:
            loss = self.compute_loss(x=x, y=y, y_pred=self(x, training=True))
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply([2.0 * g for g in grads], self.trainable_variables)
        return {"loss": loss}


def test_a_keras_train_step_that_doubles_the_gradients_runs_and_diverges_at_step_1():
    a = keras_engine(_keras_mlp(), lambda: keras.optimizers.SGD(LR, momentum=MU), SCCE, (64,), model_class=Doubling)
    m = _mlp().double()
    first, _ = drive(a, torch_engine(m, torch.optim.SGD(m.parameters(), lr=LR, momentum=MU)), X_FLAT, X_FLAT, 2)
    assert (first.step, first.quantity) == (1, "weight")
    assert a.custom_step and a.step_checks[0].relation == "the update is 2.00× the declared optimizer's at every tensor"
    # the same model without the override is parity, and runs no step of its own
    b = keras_engine(_keras_mlp(), lambda: keras.optimizers.SGD(LR, momentum=MU), SCCE, (64,))
    m = _mlp().double()
    first, _ = drive(b, torch_engine(m, torch.optim.SGD(m.parameters(), lr=LR, momentum=MU)), X_FLAT, X_FLAT, 3)
    assert first is None and not b.custom_step
