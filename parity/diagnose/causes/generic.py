"""Fix phrasing that holds whatever the framework: what a signature says when a side's framework has
no phrasing of its own, and the declared-difference and situation variants the signatures name."""

from ...frameworks import keras
from . import catalog as c
from .registry import ANY, phrase

GROUPS_TAIL = "to train as {grouped} does; or make {grouped}'s filters as deep as its input (what the author meant)"
DECLARED = "give both sides the same {field}"  # a difference the specs declare, found where it acts

for code in (c.FLATTEN_ORDER, c.ACTIVATION, c.BATCHNORM, c.PADDING, c.ARCHITECTURE, c.LOSS_FUNCTION):
    phrase(ANY, code, DECLARED, "declared")

phrase(ANY, c.L2_CONVENTION, "side {side}: scale its penalty to {scaled} (a factor of {r})")

phrase(ANY, c.WEIGHT_DECAY, "the same weight_decay on the other side")
phrase(ANY, c.WEIGHT_DECAY, "add the penalty to side {side} or remove it from side {other}", "add")
phrase(ANY, c.WEIGHT_DECAY, "side {other}: add the same penalty, gradient {grad}·w; or side {side}: remove the "
       "regularizer from {layers}", "remove")
phrase(ANY, c.WEIGHT_DECAY, "make side {other}'s penalty gradient {grad}·w, or side {side}'s {other_grad}·w", "lambda")
phrase(ANY, c.WEIGHT_DECAY, "give both sides the same penalty: side A's {written_a} against side B's {written_b}",
       "both")

phrase(ANY, c.DECOUPLED_DECAY, "decay both sides the same way: coupled (λ·w added to the gradient) or decoupled "
       "(w ← w − lr·λ·w)")
phrase(ANY, c.BIAS_DECAY, "decay the biases on both sides or on neither")
phrase(ANY, c.LR_MULTIPLIER, "give the other side the same factor")
phrase(ANY, c.OPTIMIZER, "use the same optimizer, constants and schedule on both sides")
phrase(ANY, c.OPTIMIZER, "use the same learning rate on both sides", "rate")
phrase(ANY, c.OPTIMIZER, "use the same {field} on both sides", "constant")
phrase(ANY, c.MOMENTUM_FORMULATION, "keep the rate constant when comparing")
phrase(ANY, c.LR_SCHEDULE, "give both sides the same schedule (Caffe lr_policy, Keras LearningRateSchedule, "
       "MatConvNet learningRate per epoch)")
phrase(ANY, c.LOSS_FUNCTION, "give both sides the same loss")
phrase(ANY, c.LOSS_REDUCTION, "reduce the loss over the batch the same way on both sides (a mean, or a sum)")
phrase(ANY, c.LOSS_REDUCTION, "side {side}: divide the summed loss and its gradient by the batch size (a mean over "
       f"samples, as Keras' default reduction {keras.LOSS_REDUCTION.value})", "summed")
phrase(ANY, c.LOSS_REDUCTION, "scale one side's loss so that both report the same objective", "scaled")
phrase(ANY, c.ACTIVATION, "give both sides the same activation")
phrase(ANY, c.PADDING, "give both convolutions the same padding")
phrase(ANY, c.PADDING, "pad the floor-rounding side by one on the bottom/right, or use round_mode: FLOOR in Caffe",
       "pool")
phrase(ANY, c.POOL_ROUNDING, "pad the floor-rounding side by one on the bottom/right, or use round_mode: FLOOR in "
       "Caffe")
phrase(ANY, c.FLATTEN_ORDER, "flatten in the same order on both sides (Keras flattens {keras_order}; Caffe c,h,w; a "
       "Flatten(data_format='channels_first') on channels-last data permutes the axes)")
phrase(ANY, c.GROUPED_CONV, "give {layer} {groups} groups " + GROUPS_TAIL)
phrase(ANY, c.INPUT_SCALE, "give both sides the same input transform (--a-input / --b-input, a Caffe "
       "transform_param scale, or a .py spec's preprocess)")
phrase(ANY, c.INPUT_SCALE, "side {side}: --{flag}-input as side A's ({transform})", "ablation")
phrase(ANY, c.LABEL_OFFSET, "side {side}: take the labels as given (0-based class indices)")
phrase(ANY, c.DROPOUT, "side {side}: switch dropout off (or fix its random mask) while comparing; parity runs Keras, "
       "Caffe and MatConvNet sides with dropout off")
phrase(ANY, c.BATCHNORM, "give both batch normalisations the same epsilon and momentum")
phrase(ANY, c.INIT, "give both sides the same initialiser, or start both from the same weights (--weights seed, "
       "the default)")
phrase(ANY, c.ARCHITECTURE, "make the layer sizes and connections the same on both sides")
phrase(ANY, c.ARCHITECTURE, "make the layers the same size on both sides", "sizes")
phrase(ANY, c.DTYPE, "none needed; use --dtype float64 for a tighter comparison")
phrase(ANY, c.NON_FINITE, "lower the learning rate or check the loss for log(0) and overflow on that side")
phrase(ANY, c.GRADIENT_BUG, "side {side}: fix grads() (and the update in step()) for {key!r} to return "
       "d loss / d {key}")
phrase(ANY, c.CUSTOM_STEP, "make the step do only what the declared optimizer and loss say, or declare what it "
       "does (the loss, the optimizer's clipping) so that the other side can do the same")
phrase(ANY, c.BATCHNORM_SYNC, "normalise with the same batch on both sides: synchronised batch norm on the "
       "replicated side, or compare on one replica")
phrase(ANY, c.REPLICA_REDUCTION, "divide the loss by the global batch size (not the per-replica one), and add a "
       "penalty once, not on every replica")
phrase(ANY, c.WEIGHT_DECAY, "penalty {lam}·Σw²", "written")
phrase(ANY, c.POOL_STRIDE, "the default, {stride}", "default")
phrase(ANY, c.POOL_STRIDE, "as the spec writes it", "written")
