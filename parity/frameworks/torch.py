"""PyTorch facts: defaults and update rules as data, each cited to the installed torch 2.13.0 source
(site-packages/torch/...); tests/test_torch_rules.py checks every rule here against real torch and Keras.
"""

from . import Fact

VERSION = "2.13.0"

# --- Optimizers: constructor defaults (the signatures) and update rules.
OPTIMIZER_DEFAULTS = {
    "SGD": Fact({"lr": 1e-3, "momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0, "nesterov": False},
                'torch/optim/sgd.py:32-36 — "lr: float | Tensor = 1e-3, momentum: float = 0, dampening: float = 0, '
                'weight_decay: float | Tensor = 0, nesterov: bool = False"'),
    "Adam": Fact({"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False,
                  "decoupled_weight_decay": False},
                 'torch/optim/adam.py:38-49 — "lr=1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0, '
                 'amsgrad: bool = False, …, decoupled_weight_decay: bool = False"'),
    "AdamW": Fact({"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 1e-2, "amsgrad": False},
                  'torch/optim/adamw.py:24-28 — "lr=1e-3, betas=(0.9, 0.999), eps: float = 1e-8, '
                  'weight_decay: float = 1e-2, amsgrad: bool = False"'),
    "Adadelta": Fact({"lr": 1.0, "rho": 0.9, "eps": 1e-6, "weight_decay": 0.0},
                     'torch/optim/adadelta.py:32-35 — "lr: float | Tensor = 1.0, rho: float = 0.9, eps: float = 1e-6, '
                     'weight_decay: float = 0"'),
    "RMSprop": Fact({"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0, "centered": False},
                    'torch/optim/rmsprop.py:34-39 — "lr=1e-2, alpha: float = 0.99, eps: float = 1e-8, '
                    'weight_decay: float = 0, momentum: float = 0, centered: bool = False"'),
}

# Each torch optimizer's hyper-parameter named as Keras names it (the fix lines speak both).
KERAS_NAMES = {"lr": "learning_rate", "eps": "epsilon", "alpha": "rho", "betas": ("beta_1", "beta_2")}
KERAS_CLASS = {"SGD": "SGD", "Adam": "Adam", "AdamW": "AdamW", "Adadelta": "Adadelta", "RMSprop": "RMSprop"}

SGD_RULE = Fact("b ← μ·b + g (b = g at the first update); w ← w − lr·b (the rate applied at update time)",
                'torch/optim/sgd.py:357-377 — "buf = grad.detach().clone()" … "buf.mul_(momentum).add_(grad, '
                'alpha=1 - dampening)" … "param.add_(grad, alpha=-lr)"')
COUPLED_DECAY = Fact("coupled: g ← g + λ·w on every parameter of the group, biases included, before momentum/moments",
                     'torch/optim/sgd.py:345-354 — "grad = grad.add(param, alpha=weight_decay)"; '
                     'torch/optim/adam.py:426-428 — the same for Adam')
DECOUPLED_DECAY = Fact("decoupled: w ← w·(1 − lr·λ) before the Adam step (AdamW, or Adam(decoupled_weight_decay=True))",
                       'torch/optim/adam.py:416-419 — "param.mul_(1 - lr * weight_decay)"')
ADAM_EPS = Fact("ε is added to √v̂ = √v/√(1−β₂ᵗ): w ← w − lr/(1−β₁ᵗ)·m / (√v/√(1−β₂ᵗ) + ε)",
                'torch/optim/adam.py:544 — "denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)"')
KERAS_ADAM_EPS = Fact("ε is added to √v: w ← w − lr·√(1−β₂ᵗ)/(1−β₁ᵗ)·m / (√v + ε), an effective ε̂ = ε/√(1−β₂ᵗ)",
                      'keras/src/optimizers/adam.py:117,135 (keras 3.15.1) — "alpha = lr * ops.sqrt(1 - beta_2_power) '
                      '/ (1 - beta_1_power)" … "ops.add(ops.sqrt(v), self.epsilon)"')

# --- Schedulers: stepped once per update here (one full-batch step is one epoch).
SCHEDULER_DEFAULTS = {
    "StepLR": Fact({"gamma": 0.1}, 'torch/optim/lr_scheduler.py:625 — "gamma: float = 0.1"'),
    "MultiStepLR": Fact({"gamma": 0.1}, 'torch/optim/lr_scheduler.py:711 — "gamma: float = 0.1"'),
    "ExponentialLR": Fact({}, 'torch/optim/lr_scheduler.py:1007 — "class ExponentialLR(LRScheduler)" (gamma required)'),
    "CosineAnnealingLR": Fact({"eta_min": 0.0}, 'torch/optim/lr_scheduler.py:1392 — "eta_min: float = 0.0"'),
    "LambdaLR": Fact({}, 'torch/optim/lr_scheduler.py:343 — "class LambdaLR(LRScheduler)": lr = base_lr · lr_lambda(epoch)'),
}
SCHEDULER_STEP = Fact("scheduler.step() after optimizer.step(): the rate of update k+1 is the schedule at epoch k",
                      'torch/optim/lr_scheduler.py:122 — "last_epoch: int = -1" (the constructor steps to epoch 0)')

# --- Layers.
BATCHNORM_DEFAULTS = Fact({"eps": 1e-5, "momentum": 0.1, "affine": True, "track_running_stats": True},
                          'torch/nn/modules/batchnorm.py:41-44 — "eps: float = 1e-5, momentum: float | None = 0.1, '
                          'affine: bool = True, track_running_stats: bool = True"')
BATCHNORM_MOMENTUM = Fact("running ← (1 − momentum)·running + momentum·batch (Keras: momentum·moving + (1 − momentum)·batch)",
                          'torch/nn/modules/batchnorm.py:185 — "exponential_average_factor = self.momentum"')
BATCHNORM_VARIANCE = Fact("normalises with the biased batch variance, keeps the unbiased one in running_var",
                          'torch/nn/modules/batchnorm.py:322-324 — "equivalent to torch.var(input, correction=0)… '
                          'calculated via the unbiased estimator, equivalent to torch.var(input, correction=1)"')
KERAS_BATCHNORM_DEFAULTS = Fact({"momentum": 0.99, "epsilon": 1e-3},
                                'keras/src/layers/normalization/batch_normalization.py:163-164 (keras 3.15.1) — '
                                '"momentum=0.99, epsilon=1e-3"')
POOL_DEFAULTS = Fact({"stride": "kernel_size", "padding": 0, "ceil_mode": False},
                     'torch/nn/modules/pooling.py:58-66 — "stride=None, padding=0, …, ceil_mode: bool = False" and '
                     '"self.stride = stride if (stride is not None) else kernel_size"')
CONV_DEFAULTS = Fact({"stride": 1, "padding": 0, "bias": True},
                     'torch/nn/modules/conv.py:339 — "stride: _size_2_t = 1, padding: _size_2_t | str = 0, …, bias: bool = True"')
INIT = Fact("kaiming_uniform(a=√5) weights, uniform(±1/√fan_in) biases",
            'torch/nn/modules/linear.py:124 — "init.kaiming_uniform_(self.weight, a=math.sqrt(5))"')
LINEAR_LAYOUT = Fact("out,in", 'torch/nn/modules/linear.py — "self.weight = Parameter(torch.empty((out_features, in_features)"')
CONV_LAYOUT = Fact("out,in,h,w", 'torch/nn/modules/conv.py — "torch.empty((out_channels, in_channels // groups, *kernel_size)"')
FLATTEN_ORDER = Fact("c,h,w", "torch.flatten of an (N, C, H, W) map is row-major over C, H, W")

# --- Losses.
LOSS_DEFAULTS = {
    "CrossEntropyLoss": Fact({"reduction": "mean", "label_smoothing": 0.0, "ignore_index": -100},
                             'torch/nn/modules/loss.py:1389-1392 — "ignore_index: int = -100, …, reduction: str = \\"mean\\", '
                             'label_smoothing: float = 0.0"'),
    "NLLLoss": Fact({"reduction": "mean", "ignore_index": -100},
                    'torch/nn/modules/loss.py:249-251 — "ignore_index: int = -100, …, reduction: str = \\"mean\\""'),
    "MSELoss": Fact({"reduction": "mean"}, 'torch/nn/modules/loss.py:45 — "reduction: str = \\"mean\\""'),
}
# The Keras loss that is the same objective as each torch loss, given what the model outputs.
SAME_OBJECTIVE = {
    "CrossEntropyLoss": "logits into sparse_categorical_crossentropy(from_logits=True), or softmax into "
                        "sparse_categorical_crossentropy",
    "NLLLoss": "log_softmax into NLLLoss = softmax into sparse_categorical_crossentropy",
    "MSELoss": "mean_squared_error against one-hot targets",
}

# Modules parity recognises as parameterised layers, by role of each parameter.
ROLES = {"Linear": {"weight": "kernel", "bias": "bias"}, "Conv2d": {"weight": "kernel", "bias": "bias"},
         "BatchNorm1d": {"weight": "gamma", "bias": "beta"}, "BatchNorm2d": {"weight": "gamma", "bias": "beta"}}
