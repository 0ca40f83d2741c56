"""Keras 3 facts (keras-team/keras; Keras 3.15/3.16 read, see ../shared/reference/semantics.md)."""

from . import Fact

# Regularizers: the penalty enters the objective undivided by the batch size.
L2_PENALTY = Fact("l2·Σw²", 'keras/src/regularizers/regularizers.py:265 — "ops.cast(self.l2, dtype=x.dtype) * ops.sum(ops.square(x))"')
L1_PENALTY = Fact("l1·Σ|w|", 'keras/src/regularizers/regularizers.py — "self.l1 * ops.sum(ops.absolute(x))"')
L2_DEFAULT = Fact(0.01, 'keras/src/regularizers/regularizers.py:260 — "def __init__(self, l2=0.01):"')
PENALTY_IN_LOSS = Fact(True, 'keras/src/trainers/trainer.py:391 — "losses.append(self._aggregate_additional_loss(loss))"')

# Optimizers.
SGD_DEFAULTS = Fact({"learning_rate": 0.01, "momentum": 0.0, "nesterov": False},
                    'keras/src/optimizers/sgd.py:45-47 — "learning_rate=0.01, momentum=0.0, nesterov=False"')
SGD_RULE = Fact("v ← μ·v − lr·g; w ← w + v (lr inside the velocity)",
                'keras/src/optimizers/sgd.py:105-121 — "ops.multiply(m, momentum), ops.multiply(gradient, learning_rate)"')
WEIGHT_DECAY_RULE = Fact("decoupled: w ← w − w·λ·lr before the update",
                         'keras/src/backend/tensorflow/optimizer.py:117 — "variable.assign_sub(variable * wd * lr)"')
DECAY_KWARG_IGNORED = Fact("`decay=` is accepted and ignored with a warning",
                           'keras/src/optimizers/base_optimizer.py:85 — "if kwargs.pop(\\"decay\\", None) is not None:"')
SCHEDULE_STEP = Fact("a LearningRateSchedule is called with optimizer.iterations (0 on the first update)",
                     'keras/src/optimizers/base_optimizer.py:781 — "return self._learning_rate(self._iterations)"')

# Losses.
LOSS_REDUCTION = Fact("sum_over_batch_size", 'keras/src/losses/loss.py:46 — "reduction=\\"sum_over_batch_size\\""')
MSE_RULE = Fact("mean over the last axis, then the batch mean",
                'keras/src/losses/losses.py:1785 — "return ops.mean(ops.square(y_true - y_pred), axis=-1)"')
FROM_LOGITS_DEFAULT = Fact(False, 'keras/src/losses/losses.py:2316 — "from_logits=False"')

# Layers.
DENSE_INIT = Fact({"kernel_initializer": "glorot_uniform", "bias_initializer": "zeros"},
                  'keras/src/layers/core/dense.py:89 — "kernel_initializer=\\"glorot_uniform\\","')
DENSE_KERNEL_LAYOUT = Fact("in,out", 'keras/src/layers/core/dense.py:125 — "kernel_shape = (input_shape[-1], self.units)"')
CONV_KERNEL_LAYOUT = Fact("h,w,in,out", 'keras/src/layers/convolutional/base_conv.py:193 — "kernel_shape = self.kernel_size + (input_channel // self.groups, self.filters,"')
POOL_STRIDE_DEFAULT = Fact("pool_size", 'keras/src/layers/pooling/base_pooling.py:28 — "strides = pool_size if strides is None else strides"')
FLATTEN_ORDER = Fact("h,w,c", 'keras/src/layers/reshaping/flatten.py:48 — channels_first is transposed to channels_last first')

# Losses whose targets are class indices rather than one-hot rows.
SPARSE_LOSSES = {"sparse_categorical_crossentropy", "SparseCategoricalCrossentropy"}

# --- What the description engine needs to train a Keras description exactly as Keras 3 does.
# Lines are keras 3.15.1 (the installed release; the same text at 3.16.0 HEAD unless noted).

# Optimizer defaults, per class: the constructor signatures.
BASE_OPTIMIZER_DEFAULTS = Fact(
    {"weight_decay": None, "clipnorm": None, "clipvalue": None, "global_clipnorm": None, "use_ema": False,
     "ema_momentum": 0.99, "ema_overwrite_frequency": None, "loss_scale_factor": None,
     "gradient_accumulation_steps": None},
    'keras/src/optimizers/base_optimizer.py:68-80 — "weight_decay=None, clipnorm=None, clipvalue=None, '
    'global_clipnorm=None, use_ema=False, ema_momentum=0.99, …"')
OPTIMIZER_DEFAULTS = {
    "SGD": SGD_DEFAULTS,
    "RMSprop": Fact({"learning_rate": 0.001, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-7, "centered": False},
                    'keras/src/optimizers/rmsprop.py:55-59 — "learning_rate=0.001, rho=0.9, momentum=0.0, '
                    'epsilon=1e-7, centered=False"'),
    "Adam": Fact({"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "amsgrad": False},
                 'keras/src/optimizers/adam.py:45-49 — "learning_rate=0.001, beta_1=0.9, beta_2=0.999, '
                 'epsilon=1e-7, amsgrad=False"'),
    "AdamW": Fact({"learning_rate": 0.001, "weight_decay": 0.004, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7,
                   "amsgrad": False},
                  'keras/src/optimizers/adamw.py:55-60 — "learning_rate=0.001, weight_decay=0.004, beta_1=0.9, …"'),
    "Adadelta": Fact({"learning_rate": 0.001, "rho": 0.95, "epsilon": 1e-7},
                     'keras/src/optimizers/adadelta.py:42-44 — "learning_rate=0.001, rho=0.95, epsilon=1e-7"'),
    "Adagrad": Fact({"learning_rate": 0.001, "initial_accumulator_value": 0.1, "epsilon": 1e-7},
                    'keras/src/optimizers/adagrad.py:37-39 — "learning_rate=0.001, initial_accumulator_value=0.1, '
                    'epsilon=1e-7"'),
}
OPTIMIZER_RULES = {
    "SGD": SGD_RULE,
    "RMSprop": Fact("v ← ρv + (1−ρ)g²; Δ = lr·g/√(v + ε) (ε inside the root; centered: √(v − ḡ² + ε)); "
                    "momentum: m ← μm + Δ, w ← w − m; else w ← w − Δ",
                    'keras/src/optimizers/rmsprop.py:143-145 — "denominator = ops.add(velocity, self.epsilon)"'),
    "Adam": Fact("m ← m + (g − m)(1−β1); v ← v + (g² − v)(1−β2); α = lr·√(1−β2^t)/(1−β1^t), t = iterations+1; "
                 "w ← w − α·m/(√v + ε) (ε-hat: on the uncorrected √v)",
                 'keras/src/optimizers/adam.py:117,135 — "alpha = lr * ops.sqrt(1 - beta_2_power) / (1 - beta_1_power)"'),
    "Adadelta": Fact("a ← ρa + (1−ρ)g²; Δ = −√(d + ε)·g/√(a + ε); d ← ρd + (1−ρ)Δ²; w ← w + lr·Δ",
                     'keras/src/optimizers/adadelta.py:98,119 — "return ops.sqrt(ops.add(x, self.epsilon))"'),
    "Adagrad": Fact("a ← a + g² (a starts at initial_accumulator_value); w ← w − lr·g/√(a + ε)",
                    'keras/src/optimizers/adagrad.py:90 — "ops.sqrt(ops.add(accumulator, self.epsilon))"'),
}
OPTIMIZER_RULES["AdamW"] = OPTIMIZER_RULES["Adam"]  # adamw.py: AdamW(adam.Adam), decay from the base class
APPLY_ORDER = Fact("clip the gradients, then decoupled weight decay, then the update; iterations += 1 after",
                   'keras/src/optimizers/base_optimizer.py:588-589,533 — "grads = self._clip_gradients(grads)" / '
                   '"self._apply_weight_decay(trainable_variables)"')
CLIP_RULES = Fact("clipnorm: tf.clip_by_norm per tensor; global_clipnorm: g·clip·min(1/‖g‖, 1/clip); "
                  "clipvalue: clip to [−v, v]; only one may be set, tried in that order",
                  'keras/src/optimizers/base_optimizer.py:870-879 / backend/tensorflow/optimizer.py:227 — '
                  '"return tf.clip_by_norm(values, self.clipnorm, axes)"')
LR_VARIABLE_DTYPE = Fact("a float learning rate is a variable of floatx at construction; a schedule computes "
                         "in float32 (its Python constants) and is cast to each variable's dtype",
                         'keras/src/optimizers/base_optimizer.py:185-188 — "dtype=backend.floatx()"; '
                         'schedules/learning_rate_schedule.py:164 — "ops.convert_to_tensor(self.initial_learning_rate)"')
SCHEDULES = ("PiecewiseConstantDecay", "ExponentialDecay", "InverseTimeDecay", "PolynomialDecay")

# Losses.
EPSILON = Fact(1e-7, 'keras/src/backend/config.py:10 — "_EPSILON = 1e-7"')
LOGITS_FROM_ACTIVATION = Fact(
    "a cross-entropy whose prediction carries `_keras_logits` (set by every softmax AND sigmoid activation) "
    "uses those logits instead: no clipping, and from_logits is forced on",
    'keras/src/backend/tensorflow/nn.py:1267-1270 — "has_keras_logits = hasattr(output, \\"_keras_logits\\")"')
REDUCTION_RULE = Fact("sum_over_batch_size: Σ values / number of values (divide_no_nan)",
                      'keras/src/losses/loss.py:148-159 — "loss = ops.divide_no_nan(loss, divisor)"')
LOSS_DTYPE = Fact("a loss computes in floatx as it was when the loss object was made (a string loss: at the first "
                  "call), casting the prediction — a cast that also drops `_keras_logits`",
                  'keras/src/losses/loss.py:49-50 — "self._dtype_policy = dtype_policies.get(dtype or backend.floatx())"')

# Layers.
BATCHNORM_DEFAULTS = Fact({"momentum": 0.99, "epsilon": 1e-3},
                          'keras/src/layers/normalization/batch_normalization.py:163-164 — "momentum=0.99, epsilon=1e-3"')
BATCHNORM_TRAINING = Fact("batch moments from tf.nn.moments (biased variance); moving ← moving·momentum + "
                          "batch·(1 − momentum), in the forward pass; a frozen layer (trainable=False) uses the "
                          "moving statistics",
                          'keras/src/layers/normalization/batch_normalization.py:363,385-391 — '
                          '"moving_mean * self.momentum + mean * (1.0 - self.momentum)"')
SAME_PADDING = Fact("TF's SAME: total = max((⌈n/s⌉−1)·s + (k−1)·d + 1 − n, 0), the odd cell after (bottom/right)",
                    'keras/src/backend/tensorflow/nn.py:812-818 — "tf.nn.convolution(inputs, kernel, strides, '
                    'padding.upper(), …)"')
VARIANCE_SCALING = {  # class -> (scale, mode, distribution): keras/src/initializers/random_initializers.py
    "GlorotUniform": (1.0, "fan_avg", "uniform"), "GlorotNormal": (1.0, "fan_avg", "truncated_normal"),
    "LecunUniform": (1.0, "fan_in", "uniform"), "LecunNormal": (1.0, "fan_in", "truncated_normal"),
    "HeUniform": (2.0, "fan_in", "uniform"), "HeNormal": (2.0, "fan_in", "truncated_normal"),
}
VARIANCE_SCALING_SOURCE = ('keras/src/initializers/random_initializers.py:298-318 — '
                           '"stddev = math.sqrt(scale) / 0.87962566103423978"; fans: compute_fans, :663')
LOSS_SIGNATURES = {  # the loss functions' keyword defaults (keras 3.15.1 keras/src/losses/losses.py)
    "categorical_crossentropy": 'keras/src/losses/losses.py:2154-2155 — "from_logits=False, label_smoothing=0.0, axis=-1"',
    "sparse_categorical_crossentropy": 'keras/src/losses/losses.py:2313-2314 — "from_logits=False, ignore_class=None, '
                                       'axis=-1"',
    "binary_crossentropy": 'keras/src/losses/losses.py:2380-2381 — "from_logits=False, label_smoothing=0.0, axis=-1"',
}
