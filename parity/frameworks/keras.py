"""Keras 3 facts (keras-team/keras; Keras 3.15/3.16 read, see ../shared/reference/semantics.md)."""

from . import Fact

# Regularizers: the penalty enters the objective undivided by the batch size.
L2_PENALTY = Fact("l2·Σw²", 'keras/src/regularizers/regularizers.py:265 — "ops.cast(self.l2, dtype=x.dtype) * ops.sum(ops.square(x))"')
L1_PENALTY = Fact("l1·Σ|w|", 'keras/src/regularizers/regularizers.py — "self.l1 * ops.sum(ops.absolute(x))"')
L2_DEFAULT = Fact(0.01, 'keras/src/regularizers/regularizers.py:260 — "def __init__(self, l2=0.01):"')
PENALTY_IN_LOSS = Fact(True, 'keras/src/trainers/trainer.py:391 — "losses.append(self._aggregate_additional_loss(loss))"')

# Optimizers.
SGD_DEFAULTS = Fact({"learning_rate": 0.01, "momentum": 0.0, "nesterov": False},
                    'keras/src/optimizers/sgd.py — "learning_rate=0.01, momentum=0.0, nesterov=False"')
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
