"""How each cause's fix reads in Keras 3 terms."""

from ...frameworks import keras
from . import catalog as c
from .generic import GROUPS_TAIL
from .registry import phrase

K = "keras"

phrase(K, c.L2_CONVENTION, "side {side}: use keras.regularizers.L2({half}) (= {scaled}) on {layers}")
phrase(K, c.WEIGHT_DECAY, "Keras: kernel_regularizer=L2({half}) (= λ/2)")
phrase(K, c.WEIGHT_DECAY, "side {side}: add kernel_regularizer=keras.regularizers.L2({half}) to {layers}; or drop "
       "the penalty on side {other}", "add")
phrase(K, c.DECOUPLED_DECAY, "Keras: drop weight_decay= and use kernel_regularizer/bias_regularizer=L2(λ/2)")
phrase(K, c.BIAS_DECAY, "Keras: bias_regularizer=L2({half})")
phrase(K, c.LR_MULTIPLIER, "Keras has no per-parameter rate: scale that parameter's gradient by the other side's "
       "factor")
phrase(K, c.OPTIMIZER, "side {side} (Keras): optimizer={line}{decay}")
phrase(K, c.MOMENTUM_FORMULATION, "on the Keras side, rescale the SGD momentum buffers by new_rate/old_rate when "
       "the rate changes (a callback) to follow MatConvNet's rule")
phrase(K, c.LR_SCHEDULE, "Keras: learning_rate=keras.optimizers.schedules.PiecewiseConstantDecay(boundaries, "
       "values) (or ExponentialDecay, InverseTimeDecay, PolynomialDecay) with the other side's rates; a schedule "
       "is called with optimizer.iterations, 0 on the first update")
phrase(K, c.LR_DECAY_IGNORED, "Keras: learning_rate=keras.optimizers.schedules.InverseTimeDecay(lr, decay_steps=1, "
       "decay_rate=decay) for the old meaning; kernel_regularizer=L2(λ/2) if weight decay was meant")
phrase(K, c.LOSS_FUNCTION, "Keras: compile(loss=...) with the other side's loss; from_logits=True when the model "
       "ends without a softmax")
phrase(K, c.LOSS_REDUCTION, "Keras: the default reduction sum_over_batch_size takes the mean; reduction='sum' sums")
phrase(K, c.POOL_STRIDE, "Keras: keras.layers.MaxPooling2D({kernel}, strides={stride}) for {layer}")
phrase(K, c.FLATTEN_ORDER, "Keras: keras.layers.Permute((3, 1, 2)) before Flatten() flattens c,h,w as Caffe and "
       "PyTorch do")
phrase(K, c.GROUPED_CONV, "Keras: keras.layers.Conv2D({filters}, {kernel}, groups={groups}) for {layer} "
       + GROUPS_TAIL)
phrase(K, c.INPUT_SCALE, "Keras: a module-level preprocess(x) in the .py spec, or --a-input / --b-input")
phrase(K, c.BATCHNORM, "Keras: keras.layers.BatchNormalization(epsilon=1e-5) to match Caffe and MatConvNet")
phrase(K, c.INIT, "Keras: kernel_initializer='lecun_uniform' is Caffe's xavier (FAN_IN)")
phrase(K, c.CUSTOM_STEP, "Keras: move what train_step adds into the compiled loss or the optimizer's arguments "
       "(clipnorm=, a loss scale), so that the declaration says what the step does")
phrase(K, c.BATCHNORM_SYNC, "Keras: keras.layers.BatchNormalization(synchronized=True) under the distribution "
       "strategy")
phrase(K, c.REPLICA_REDUCTION, "Keras: keep compile()'s reduction sum_over_batch_size; in a custom loop divide by "
       "the global batch (tf.nn.compute_average_loss)")
phrase(K, c.WEIGHT_DECAY, "keras.regularizers.L2({lam}), i.e. λΣw² with λ = {lam}", "written")


def l2_argument(gradient_factor):
    """The keras.regularizers.L2 argument whose penalty has gradient `gradient_factor`·w: Keras' L2(l2) adds
    l2·Σw² to the loss (frameworks/keras.py L2_PENALTY), whose gradient is 2·l2·w."""
    return gradient_factor / 2

# A default the pooling stride comes from, said in the pool-stride message.
POOL_STRIDE_DEFAULT = keras.POOL_STRIDE_DEFAULT.value.replace("_", " ")  # "pool_size" -> "pool size"
phrase(K, c.POOL_STRIDE, f"Keras' default: strides=None means the {POOL_STRIDE_DEFAULT}", "default")
